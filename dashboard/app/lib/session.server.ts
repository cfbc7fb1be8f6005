/**
 * The password sign-in's session: a signed, http-only cookie holding who signed in and until
 * when. The HMAC key is derived from SIGNING_SECRET and the admin password, so changing the
 * password signs everyone out.
 */
import {
  fromBase64Url,
  hmacKey,
  hmacSha256,
  sha256Hex,
  toBase64Url,
} from '../../../core/crypto.ts';

export const SESSION_COOKIE = 'rb_admin_session';
export const SESSION_SECONDS = 12 * 60 * 60;

export interface Session {
  identity: string;
  expiresAt: number;
}

const encoder = new TextEncoder();

async function sessionKey(signingSecret: string, password: string): Promise<CryptoKey> {
  const material = `reelbot-dashboard-session:${await sha256Hex(password)}:${signingSecret}`;
  return hmacKey(await crypto.subtle.digest('SHA-256', encoder.encode(material)));
}

/** The cookie value for a new session. */
export async function signSession(
  session: Session,
  secrets: { signingSecret: string; password: string },
): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(session)));
  const key = await sessionKey(secrets.signingSecret, secrets.password);
  return `${payload}.${toBase64Url(await hmacSha256(key, payload))}`;
}

/** The session in a cookie value, or null when it is forged, malformed or expired. */
export async function verifySession(
  value: string,
  secrets: { signingSecret: string; password: string },
  now = Date.now(),
): Promise<Session | null> {
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const mac = fromBase64Url(signature);
  if (!mac) return null;
  const key = await sessionKey(secrets.signingSecret, secrets.password);
  const valid = await crypto.subtle.verify('HMAC', key, mac, encoder.encode(payload));
  if (!valid) return null;

  try {
    const bytes = fromBase64Url(payload);
    const session = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())) as Session;
    if (typeof session.identity !== 'string' || typeof session.expiresAt !== 'number') return null;
    return session.expiresAt > now ? session : null;
  } catch {
    return null;
  }
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** A Set-Cookie header: http-only, SameSite=Lax, Secure on https; empty value clears it. */
export function sessionCookie(value: string, secure: boolean): string {
  const maxAge = value === '' ? 0 : SESSION_SECONDS;
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
