/**
 * The signed task token in a provider callback URL: an HMAC-SHA-256 (SIGNING_SECRET) over the
 * provider name, the task id and an expiry, so a callback can only ever wake the task it was
 * issued for, through the provider it was issued to, until it expires.
 */

import { fromBase64Url, hmacKey, hmacSha256, toBase64Url } from '../crypto.ts';

const encoder = new TextEncoder();

export interface CallbackUrlInput {
  /** Public origin of the Worker, e.g. `https://reelbot.example.com`. */
  baseUrl: string;
  provider: string;
  taskId: string;
  expiresAt: Date;
  secret: string;
}

export interface CallbackTokenInput {
  provider: string;
  taskId: string;
  /** Unix seconds, from the `exp` query parameter. */
  exp: string;
  /** base64url HMAC, from the `token` query parameter. */
  token: string;
  secret: string;
  now: Date;
}

function payload(provider: string, taskId: string, exp: number): string {
  return `reelbot-callback\n${provider}\n${taskId}\n${exp}`;
}

/** `${baseUrl}/providers/<provider>/callback?task=..&exp=..&token=..` for one task. */
export async function signCallbackUrl(input: CallbackUrlInput): Promise<string> {
  const exp = Math.floor(input.expiresAt.getTime() / 1000);
  const mac = await hmacSha256(input.secret, payload(input.provider, input.taskId, exp));
  const query = new URLSearchParams({
    task: input.taskId,
    exp: String(exp),
    token: toBase64Url(mac),
  });
  const base = input.baseUrl.replace(/\/+$/, '');
  return `${base}/providers/${encodeURIComponent(input.provider)}/callback?${query.toString()}`;
}

/** True when the token was issued by us for this provider and task and has not expired. */
export async function verifyCallbackToken(input: CallbackTokenInput): Promise<boolean> {
  if (!/^\d{1,12}$/.test(input.exp)) return false;
  const exp = Number(input.exp);
  if (input.now.getTime() >= exp * 1000) return false;
  const signature = input.token.length <= 100 ? fromBase64Url(input.token) : null;
  if (!signature?.length) return false;
  // subtle.verify compares in constant time.
  return crypto.subtle.verify(
    'HMAC',
    await hmacKey(input.secret),
    signature,
    encoder.encode(payload(input.provider, input.taskId, exp)),
  );
}
