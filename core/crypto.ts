/** Small Web Crypto helpers shared by the core (no node:crypto, so they run in Workers too). */

const encoder = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return Array.from(view, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of a string or bytes, as lowercase hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** An HMAC-SHA-256 key for signing and verifying, from a text secret or raw key bytes. */
export function hmacKey(secret: string | Uint8Array | ArrayBuffer): Promise<CryptoKey> {
  const raw = typeof secret === 'string' ? encoder.encode(secret) : secret;
  return crypto.subtle.importKey(
    'raw',
    raw as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

/** HMAC-SHA-256 of a message, as raw bytes. */
export async function hmacSha256(
  secret: string | Uint8Array | CryptoKey,
  message: string,
): Promise<Uint8Array> {
  const key = secret instanceof CryptoKey ? secret : await hmacKey(secret);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
}

/** HMAC-SHA-256 of a message, as lowercase hex. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return toHex(await hmacSha256(secret, message));
}

/** Bytes as unpadded base64url (JWTs, signed links, tokens). */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Bytes as standard, padded base64 (built in chunks: images run to megabytes). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** Decodes unpadded base64url; null when the text is not that. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  return /^[A-Za-z0-9_-]*$/.test(text) ? decodeBase64(text) : null;
}

/** Decodes base64 in either alphabet, padded or not; null when the text is neither. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(text) ? decodeBase64(text) : null;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  const plain = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(plain + '='.repeat((4 - (plain.length % 4)) % 4));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Compares two strings without stopping at the first difference. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  }
  return diff === 0;
}
