/**
 * Kling's API token: a JWT signed HS256 with the secret key, issued by the access key, valid
 * for 30 minutes from 5 seconds ago (clock skew). Cached and re-signed before it expires.
 */

import { hmacSha256, toBase64Url } from '../crypto.ts';

const encoder = new TextEncoder();
const LIFETIME_SECONDS = 1800;
const SKEW_SECONDS = 5;
// Re-sign this long before expiry, so a token never expires in flight.
const REFRESH_MARGIN_SECONDS = 300;

const json = (value: unknown) => toBase64Url(encoder.encode(JSON.stringify(value)));

/** The JWT for `nowSeconds` (unix seconds). */
export async function signKlingJwt(
  accessKey: string,
  secretKey: string,
  nowSeconds: number,
): Promise<string> {
  const header = json({ alg: 'HS256', typ: 'JWT' });
  const claims = {
    iss: accessKey,
    exp: nowSeconds + LIFETIME_SECONDS,
    nbf: nowSeconds - SKEW_SECONDS,
  };
  const body = json(claims);
  const signature = await hmacSha256(secretKey, `${header}.${body}`);
  return `${header}.${body}.${toBase64Url(signature)}`;
}

/** A token source that signs once and re-signs when the cached token nears expiry. */
export function klingTokenSource(
  accessKey: string,
  secretKey: string,
  now: () => number = Date.now,
): () => Promise<string> {
  let cached: { token: string; exp: number } | undefined;
  return async () => {
    const seconds = Math.floor(now() / 1000);
    if (!cached || cached.exp - seconds <= REFRESH_MARGIN_SECONDS) {
      cached = {
        token: await signKlingJwt(accessKey, secretKey, seconds),
        exp: seconds + LIFETIME_SECONDS,
      };
    }
    return cached.token;
  };
}
