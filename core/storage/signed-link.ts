/**
 * Time-limited links to stored objects, served by our own Worker route (`/media/<key>`) when
 * there are no S3 credentials to presign with (local mode). The signature is an HMAC-SHA-256
 * over the key and the expiry, so a link cannot be retargeted or extended.
 */

import { fromBase64Url, hmacKey, hmacSha256, toBase64Url } from '../crypto.ts';

export interface SignObjectLinkInput {
  /** Public origin of the Worker, e.g. `https://reelbot.example.com` (no trailing slash needed). */
  baseUrl: string;
  key: string;
  expiresAt: Date;
  secret: string;
}

export interface VerifyObjectLinkInput {
  key: string;
  /** The `exp` query parameter: unix seconds. */
  exp: string | number;
  /** The `sig` query parameter: base64url HMAC. */
  sig: string;
  secret: string;
  now: Date;
}

const MIN_SECRET_LENGTH = 32;
const LINK_PREFIX = '/media/';
const encoder = new TextEncoder();

/** Builds `${baseUrl}/media/<key>?exp=<unix>&sig=<base64url>` valid until `expiresAt`. */
export async function signObjectLink(input: SignObjectLinkInput): Promise<string> {
  const exp = Math.floor(input.expiresAt.getTime() / 1000);
  const key = await importSecret(input.secret);
  const mac = await hmacSha256(key, payload(input.key, exp));

  const base = input.baseUrl.replace(/\/+$/, '');
  const query = new URLSearchParams({ exp: String(exp), sig: toBase64Url(mac) });
  return `${base}${LINK_PREFIX}${encodeKeyPath(input.key)}?${query.toString()}`;
}

/** True when `sig` is our signature of `key` and `exp`, and `exp` is not yet past. */
export async function verifyObjectLink(input: VerifyObjectLinkInput): Promise<boolean> {
  const exp = typeof input.exp === 'number' ? input.exp : parseUnixSeconds(input.exp);
  if (exp === null || !Number.isSafeInteger(exp)) return false;
  if (input.now.getTime() >= exp * 1000) return false;

  const signature = fromBase64Url(input.sig);
  if (signature === null) return false;

  // subtle.verify compares in constant time, so the signature cannot be guessed byte by byte.
  const key = await importSecret(input.secret);
  return crypto.subtle.verify('HMAC', key, signature, encoder.encode(payload(input.key, exp)));
}

/** The object key named by a `/media/...` link path, or null when the path is not one. */
export function objectKeyFromLinkPath(pathname: string): string | null {
  if (!pathname.startsWith(LINK_PREFIX)) return null;
  try {
    const key = pathname.slice(LINK_PREFIX.length).split('/').map(decodeURIComponent).join('/');
    return key === '' ? null : key;
  } catch {
    return null;
  }
}

function payload(key: string, exp: number): string {
  // The newline cannot be confused with either field: exp is digits only.
  return `${exp}\n${key}`;
}

function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function parseUnixSeconds(text: string): number | null {
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

async function importSecret(secret: string): Promise<CryptoKey> {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`the link signing secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return hmacKey(secret);
}
