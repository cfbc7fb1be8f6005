/**
 * The signed task token in a provider callback URL: an HMAC-SHA-256 (SIGNING_SECRET) over the
 * provider name, the task id and an expiry, so a callback can only ever wake the task it was
 * issued for, through the provider it was issued to, until it expires.
 */

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

async function key(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
      c.charCodeAt(0),
    );
  } catch {
    return null;
  }
}

/** `${baseUrl}/providers/<provider>/callback?task=..&exp=..&token=..` for one task. */
export async function signCallbackUrl(input: CallbackUrlInput): Promise<string> {
  const exp = Math.floor(input.expiresAt.getTime() / 1000);
  const mac = await crypto.subtle.sign(
    'HMAC',
    await key(input.secret),
    encoder.encode(payload(input.provider, input.taskId, exp)),
  );
  const query = new URLSearchParams({
    task: input.taskId,
    exp: String(exp),
    token: toBase64Url(new Uint8Array(mac)),
  });
  const base = input.baseUrl.replace(/\/+$/, '');
  return `${base}/providers/${encodeURIComponent(input.provider)}/callback?${query.toString()}`;
}

/** True when the token was issued by us for this provider and task and has not expired. */
export async function verifyCallbackToken(input: CallbackTokenInput): Promise<boolean> {
  if (!/^\d{1,12}$/.test(input.exp)) return false;
  const exp = Number(input.exp);
  if (input.now.getTime() >= exp * 1000) return false;
  const signature = fromBase64Url(input.token);
  if (!signature) return false;
  // subtle.verify compares in constant time.
  return crypto.subtle.verify(
    'HMAC',
    await key(input.secret),
    signature as Uint8Array<ArrayBuffer>,
    encoder.encode(payload(input.provider, input.taskId, exp)),
  );
}
