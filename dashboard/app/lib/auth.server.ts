/**
 * Who is asking. With Cloudflare Access configured (team domain and AUD), the Access JWT on each
 * request is the identity; otherwise the signed session cookie from the password sign-in. Every
 * loader and action calls requireAdmin first; requests without an admin are refused.
 */
import { redirect } from '@remix-run/cloudflare';
import type { Config } from '../../../core/config.ts';
import { sha256Hex, timingSafeEqual } from '../../../core/crypto.ts';
import { verifyAccessJwt, type AccessSettings } from './access.server.ts';
import { readCookie, SESSION_COOKIE, verifySession } from './session.server.ts';

export interface Admin {
  identity: string;
  via: 'password' | 'access';
}

/** The identity every password sign-in gets (there is one shared password). */
// LIMITATION: with the password, every admin is "admin" in the audit log; per-person identities
// need Cloudflare Access (its JWT's email is the identity).
export const PASSWORD_IDENTITY = 'admin';
const LOCAL_ADMIN_PASSWORD = 'rb_local_admin';

/** The admin password; outside production it defaults to rb_local_admin. */
export function adminPassword(config: Config): string | null {
  if (config.ADMIN_PASSWORD) return config.ADMIN_PASSWORD;
  return config.RUNTIME_MODE === 'production' ? null : LOCAL_ADMIN_PASSWORD;
}

/** Access settings when both are configured; password sign-in is then switched off. */
export function accessSettings(config: Config): AccessSettings | null {
  if (!config.CF_ACCESS_TEAM_DOMAIN || !config.CF_ACCESS_AUD) return null;
  return { teamDomain: config.CF_ACCESS_TEAM_DOMAIN, audience: config.CF_ACCESS_AUD };
}

/** True when the password is right; compares hashes so timing says nothing about it. */
export async function passwordMatches(given: string, config: Config): Promise<boolean> {
  const expected = adminPassword(config);
  if (expected === null) return false;
  return timingSafeEqual(await sha256Hex(given), await sha256Hex(expected));
}

/** The admin of this request, or null. */
export async function currentAdmin(request: Request, config: Config): Promise<Admin | null> {
  const access = accessSettings(config);
  if (access) {
    const token =
      request.headers.get('cf-access-jwt-assertion') ??
      readCookie(request.headers.get('cookie'), 'CF_Authorization');
    if (!token) return null;
    const identity = await verifyAccessJwt(token, access).catch(() => null);
    return identity ? { identity, via: 'access' } : null;
  }

  const password = adminPassword(config);
  const cookie = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
  if (!password || !cookie) return null;
  const session = await verifySession(cookie, {
    signingSecret: config.SIGNING_SECRET,
    password,
  });
  return session ? { identity: session.identity, via: 'password' } : null;
}

/**
 * The admin of this request. Without one, page requests are sent to /login and anything else
 * gets 401. Form posts from another origin are refused (the cookie is SameSite=Lax as well).
 */
export async function requireAdmin(request: Request, config: Config): Promise<Admin> {
  const url = new URL(request.url);
  const reading = request.method === 'GET' || request.method === 'HEAD';
  const origin = request.headers.get('origin');
  if (!reading && origin !== null && origin !== url.origin) {
    throw new Response('Cross-origin request refused', { status: 403 });
  }

  const admin = await currentAdmin(request, config);
  if (admin) return admin;
  if (reading && !url.pathname.startsWith('/media/')) {
    const next = `${url.pathname}${url.search}`;
    throw redirect(`/login?next=${encodeURIComponent(next)}`);
  }
  throw new Response('Sign in first', { status: 401 });
}

/** Where the client comes from, for rate limiting failed sign-ins. */
export function clientAddress(request: Request): string {
  return (
    request.headers.get('cf-connecting-ip') ??
    request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ??
    'unknown'
  );
}
