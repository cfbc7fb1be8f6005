/**
 * Discord signs every interaction: Ed25519 over `X-Signature-Timestamp` + the raw body, checked
 * against the application's public key. A signed body is still refused when its timestamp is
 * more than five minutes away, so a captured request cannot be replayed later.
 */
import { verifyKey } from 'discord-interactions';

export const TIMESTAMP_WINDOW_SECONDS = 5 * 60;

export type VerifyOutcome =
  | { ok: true; timestampMs: number }
  | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale_timestamp' };

// Importing the key costs more than verifying; the public key rarely changes, so keep it.
const keys = new Map<string, Promise<CryptoKey | null>>();

function importPublicKey(hex: string): Promise<CryptoKey | null> {
  let key = keys.get(hex);
  if (!key) {
    const bytes = hexBytes(hex);
    key = bytes
      ? crypto.subtle
          .importKey('raw', bytes, { name: 'Ed25519' }, false, ['verify'])
          .catch(() => null)
      : Promise.resolve(null);
    keys.set(hex, key);
  }
  return key;
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  return new Uint8Array(hex.match(/../g)?.map((byte) => parseInt(byte, 16)) ?? []);
}

/** Checks the signature headers of an interaction request against the public key. */
export async function verifyInteraction(
  body: Uint8Array,
  signature: string | undefined,
  timestamp: string | undefined,
  publicKeyHex: string,
  now: number,
): Promise<VerifyOutcome> {
  if (!signature || !timestamp) return { ok: false, reason: 'missing_signature' };
  if (!/^[0-9a-f]{128}$/i.test(signature) || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const key = await importPublicKey(publicKeyHex);
  if (!key || !(await verifyKey(body, signature, timestamp, key))) {
    return { ok: false, reason: 'bad_signature' };
  }
  const timestampMs = Number(timestamp) * 1000;
  if (Math.abs(now - timestampMs) > TIMESTAMP_WINDOW_SECONDS * 1000) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  return { ok: true, timestampMs };
}
