import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64Url, hmacSha256Hex, toBase64, toBase64Url } from './crypto.ts';

describe('base64', () => {
  const bytes = Uint8Array.from([0xfb, 0xff, 0xbf, 0x00, 0x41]);

  it('round-trips bytes through base64url without padding', () => {
    expect(toBase64Url(bytes)).toBe('-_-_AEE');
    expect(fromBase64Url('-_-_AEE')).toEqual(bytes);
  });

  it('keeps the standard alphabet and padding for base64, and reads either back', () => {
    expect(toBase64(bytes)).toBe('+/+/AEE=');
    expect(fromBase64('+/+/AEE=')).toEqual(bytes);
    expect(fromBase64('-_-_AEE')).toEqual(bytes);
  });

  it('refuses text in another alphabet or that is not base64 at all', () => {
    expect(fromBase64Url('+/+/AEE=')).toBeNull();
    expect(fromBase64Url('a b')).toBeNull();
    expect(fromBase64('A')).toBeNull();
    expect(fromBase64('@@@@')).toBeNull();
  });

  it('encodes images of megabytes', () => {
    const large = new Uint8Array(3 * 1024 * 1024).fill(7);
    expect(fromBase64(toBase64(large))).toEqual(large);
  });
});

describe('HMAC-SHA-256', () => {
  it('matches the RFC 4231 test vector', async () => {
    const key = '\u000b'.repeat(20);
    expect(await hmacSha256Hex(key, 'Hi There')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });
});
