/**
 * The two provider webhook signature schemes, on Web Crypto:
 * - fal: Ed25519 over `<request id>\n<user id>\n<timestamp>\n<hex sha256 of the body>`, the
 *   signature hex in X-Fal-Webhook-Signature, the public keys from fal's JWKS.
 * - Replicate (Standard Webhooks): HMAC-SHA-256 over `<webhook-id>.<webhook-timestamp>.<body>`
 *   keyed with the base64 part of the `whsec_` secret; `v1,<base64>` entries in
 *   webhook-signature, space separated.
 * Both reject timestamps more than five minutes from now, so a captured request cannot be
 * replayed later.
 */
import { fromBase64, hmacSha256, sha256Hex, timingSafeEqual, toBase64 } from '../crypto.ts';

export const SIGNATURE_WINDOW_SECONDS = 300;

const encoder = new TextEncoder();

export interface Jwk {
  kty?: string;
  crv?: string;
  x?: string;
}

function fromHex(text: string): Uint8Array | null {
  if (!/^([0-9a-f]{2})+$/i.test(text)) return null;
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function withinWindow(timestamp: string | null, nowMs: number): boolean {
  if (timestamp === null || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= SIGNATURE_WINDOW_SECONDS;
}

/** True when one of `keys` signed this fal webhook and its timestamp is fresh. */
export async function verifyFalSignature(
  headers: Headers,
  body: string,
  keys: readonly Jwk[],
  nowMs = Date.now(),
): Promise<boolean> {
  const requestId = headers.get('x-fal-webhook-request-id');
  const userId = headers.get('x-fal-webhook-user-id');
  const timestamp = headers.get('x-fal-webhook-timestamp');
  const signature = fromHex(headers.get('x-fal-webhook-signature') ?? '');
  if (!requestId || !userId || !signature || !withinWindow(timestamp, nowMs)) return false;

  const message = encoder.encode(`${requestId}\n${userId}\n${timestamp}\n${await sha256Hex(body)}`);
  for (const jwk of keys) {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) continue;
    const raw = fromBase64(jwk.x);
    if (!raw) continue;
    try {
      const key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
      const valid = await crypto.subtle.verify(
        'Ed25519',
        key,
        signature as Uint8Array<ArrayBuffer>,
        message,
      );
      if (valid) return true;
    } catch {
      // A key we cannot import is skipped; another may still match.
    }
  }
  return false;
}

/** True when the Standard Webhooks signature matches `secret` and the timestamp is fresh. */
export async function verifyReplicateSignature(
  headers: Headers,
  body: string,
  secret: string,
  nowMs = Date.now(),
): Promise<boolean> {
  const id = headers.get('webhook-id');
  const timestamp = headers.get('webhook-timestamp');
  const signatures = headers.get('webhook-signature');
  if (!id || !signatures || !withinWindow(timestamp, nowMs)) return false;
  const keyBytes = fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret);
  if (!keyBytes || keyBytes.length === 0) return false;

  const expected = toBase64(await hmacSha256(keyBytes, `${id}.${timestamp}.${body}`));
  return signatures
    .split(' ')
    .map((entry) => entry.split(','))
    .some(([version, value]) => version === 'v1' && timingSafeEqual(value ?? '', expected));
}

/** Fetches fal's JWKS, keeping it for `ttlMs`; an unreachable JWKS yields no keys. */
export function falKeySource(
  jwksUrl: string,
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
  ttlMs = 60 * 60 * 1000,
): () => Promise<Jwk[]> {
  let cached: { keys: Jwk[]; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.keys;
    try {
      const response = await fetchFn(jwksUrl, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) return [];
      const body = (await response.json()) as { keys?: unknown };
      const keys = Array.isArray(body.keys) ? (body.keys as Jwk[]) : [];
      cached = { keys, at: Date.now() };
      return keys;
    } catch {
      return [];
    }
  };
}
