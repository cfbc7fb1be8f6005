/**
 * Cloudflare Access: when the dashboard sits behind Access, every request carries a JWT in
 * Cf-Access-Jwt-Assertion, signed (RS256) by the team's keys. It is verified here: signature
 * against the team's JWKS, issuer, audience (the application's AUD tag) and expiry.
 */
import { fromBase64 } from '../../../core/crypto.ts';

export interface AccessSettings {
  /** e.g. `myteam.cloudflareaccess.com` (or just `myteam`). */
  teamDomain: string;
  audience: string;
  fetch?: typeof fetch;
  now?: () => number;
}

interface Jwk extends JsonWebKey {
  kid?: string;
}

const KEY_CACHE_MS = 10 * 60 * 1000;
const keyCache = new Map<string, { keys: Jwk[]; fetchedAt: number }>();

export function teamOrigin(teamDomain: string): string {
  const host = teamDomain.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return `https://${host.includes('.') ? host : `${host}.cloudflareaccess.com`}`;
}

function decodePart(part: string): Record<string, unknown> | null {
  const bytes = fromBase64(part);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function teamKeys(settings: AccessSettings, refresh: boolean): Promise<Jwk[]> {
  const origin = teamOrigin(settings.teamDomain);
  const now = (settings.now ?? Date.now)();
  const cached = keyCache.get(origin);
  if (cached && !refresh && now - cached.fetchedAt < KEY_CACHE_MS) return cached.keys;

  const response = await (settings.fetch ?? fetch)(`${origin}/cdn-cgi/access/certs`);
  if (!response.ok) throw new Error(`Access keys answered ${response.status}`);
  const body = (await response.json()) as { keys?: Jwk[] };
  const keys = Array.isArray(body.keys) ? body.keys : [];
  keyCache.set(origin, { keys, fetchedAt: now });
  return keys;
}

/** The signed-in identity (email, else subject) of a valid Access JWT; null otherwise. */
export async function verifyAccessJwt(
  token: string,
  settings: AccessSettings,
): Promise<string | null> {
  const [headerPart, payloadPart, signaturePart, extra] = token.split('.');
  if (!headerPart || !payloadPart || !signaturePart || extra !== undefined) return null;
  const header = decodePart(headerPart);
  const payload = decodePart(payloadPart);
  if (!header || !payload || header.alg !== 'RS256') return null;

  let keys = await teamKeys(settings, false);
  let jwk = keys.find((key) => key.kid === header.kid);
  if (!jwk) {
    // The team may have rotated its keys since we cached them.
    keys = await teamKeys(settings, true);
    jwk = keys.find((key) => key.kid === header.kid);
  }
  if (!jwk?.n || !jwk.e) return null;

  const key = await crypto.subtle.importKey(
    'jwk',
    { kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', ext: true },
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  const valid = await crypto.subtle.verify(
    'RSASSA-PKCS1-v1_5',
    key,
    fromBase64(signaturePart) ?? new Uint8Array(),
    signed,
  );
  if (!valid) return null;

  const nowSeconds = Math.floor((settings.now ?? Date.now)() / 1000);
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(settings.audience)) return null;
  if (payload.iss !== teamOrigin(settings.teamDomain)) return null;
  if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) return null;
  if (typeof payload.nbf === 'number' && payload.nbf > nowSeconds + 60) return null;

  const identity = typeof payload.email === 'string' ? payload.email : payload.sub;
  return typeof identity === 'string' && identity !== '' ? identity : null;
}
