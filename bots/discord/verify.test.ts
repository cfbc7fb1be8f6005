import { describe, expect, it } from 'vitest';
import { verifyInteraction } from './verify.ts';

const encoder = new TextEncoder();

async function keyPair() {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicHex: Buffer.from(raw).toString('hex') };
}

async function sign(privateKey: CryptoKey, timestamp: string, body: string): Promise<string> {
  const signature = await crypto.subtle.sign(
    { name: 'Ed25519' },
    privateKey,
    encoder.encode(timestamp + body),
  );
  return Buffer.from(signature).toString('hex');
}

describe('interaction signature', () => {
  const body = '{"type":1}';
  const now = 1_800_000_000_000;
  const timestamp = String(now / 1000);

  it('accepts a body signed with the application key, inside the window', async () => {
    const { privateKey, publicHex } = await keyPair();
    const signature = await sign(privateKey, timestamp, body);
    const outcome = await verifyInteraction(
      encoder.encode(body),
      signature,
      timestamp,
      publicHex,
      now,
    );
    expect(outcome).toEqual({ ok: true, timestampMs: now });
  });

  it('refuses a signature from another key, a changed body and missing headers', async () => {
    const { privateKey, publicHex } = await keyPair();
    const other = await keyPair();
    const good = await sign(privateKey, timestamp, body);
    const foreign = await sign(other.privateKey, timestamp, body);
    const check = (raw: string, sig?: string, ts?: string) =>
      verifyInteraction(encoder.encode(raw), sig, ts, publicHex, now);

    expect(await check(body, foreign, timestamp)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await check('{"type":2}', good, timestamp)).toMatchObject({ reason: 'bad_signature' });
    expect(await check(body, good, String(now / 1000 + 1))).toMatchObject({ ok: false });
    expect(await check(body, 'zz'.repeat(64), timestamp)).toMatchObject({ ok: false });
    expect(await check(body, undefined, timestamp)).toMatchObject({
      reason: 'missing_signature',
    });
    expect(await check(body, good, undefined)).toMatchObject({ reason: 'missing_signature' });
  });

  it('refuses a correctly signed body whose timestamp is over five minutes away', async () => {
    const { privateKey, publicHex } = await keyPair();
    for (const offset of [-301, 301]) {
      const ts = String(now / 1000 + offset);
      const signature = await sign(privateKey, ts, body);
      const outcome = await verifyInteraction(encoder.encode(body), signature, ts, publicHex, now);
      expect(outcome).toEqual({ ok: false, reason: 'stale_timestamp' });
    }
    const edge = String(now / 1000 - 299);
    const signature = await sign(privateKey, edge, body);
    expect(
      (await verifyInteraction(encoder.encode(body), signature, edge, publicHex, now)).ok,
    ).toBe(true);
  });

  it('treats a malformed public key as a bad signature, not a crash', async () => {
    const { privateKey } = await keyPair();
    const signature = await sign(privateKey, timestamp, body);
    const outcome = await verifyInteraction(encoder.encode(body), signature, timestamp, 'xyz', now);
    expect(outcome).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
