import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ffmpegPath, makeImage } from '../../tests/helpers/media.ts';
import { sniffImage } from './image-sniff.ts';

const run = promisify(execFile);

/**
 * A real image of any size: testsrc2 only makes even sizes, so the pattern is scaled. Extra
 * filters and encoder flags select WebP variants (lossless gives VP8L, alpha gives VP8X).
 */
async function encodeImage(
  extension: 'png' | 'jpg' | 'webp',
  width: number,
  height: number,
  options: { filters?: string; encoder: string[] },
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'reelbot-sniff-'));
  const file = join(dir, `image.${extension}`);
  const filters = options.filters === undefined ? '' : `,${options.filters}`;
  const source = `testsrc2=size=64x64:rate=1${filters},scale=${width}:${height}`;
  try {
    await run(ffmpegPath, [
      ...['-v', 'error', '-f', 'lavfi', '-i', source],
      ...['-frames:v', '1', ...options.encoder, '-y', file],
    ]);
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function chunkType(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(12, 16));
}

function concat(...parts: number[][]): Uint8Array {
  return new Uint8Array(parts.flat());
}

describe('sniffImage on real images', () => {
  it.each([
    ['png', 'image/png', 640, 480],
    ['png', 'image/png', 16, 300],
    ['jpeg', 'image/jpeg', 640, 480],
    ['jpeg', 'image/jpeg', 1280, 16],
    ['webp', 'image/webp', 640, 480],
    ['webp', 'image/webp', 34, 66],
  ] as const)('reads a %s as %s %ix%i', async (format, contentType, width, height) => {
    const bytes = await makeImage(format, width, height);

    expect(sniffImage(bytes)).toEqual({ ok: true, contentType, width, height });
  });

  it.each([
    ['png', 'image/png', ['-c:v', 'png']],
    ['jpg', 'image/jpeg', ['-c:v', 'mjpeg']],
    ['webp', 'image/webp', ['-c:v', 'libwebp']],
  ] as const)('reads odd sizes from a %s', async (extension, contentType, encoder) => {
    const bytes = await encodeImage(extension, 333, 17, { encoder: [...encoder] });

    expect(sniffImage(bytes)).toEqual({ ok: true, contentType, width: 333, height: 17 });
  });

  it('reads a lossless WebP (VP8L)', async () => {
    const bytes = await encodeImage('webp', 301, 199, {
      encoder: ['-c:v', 'libwebp', '-lossless', '1'],
    });

    expect(chunkType(bytes)).toBe('VP8L');
    expect(sniffImage(bytes)).toEqual({
      ok: true,
      contentType: 'image/webp',
      width: 301,
      height: 199,
    });
  });

  it('reads an extended WebP with alpha (VP8X)', async () => {
    const bytes = await encodeImage('webp', 251, 123, {
      filters: 'format=rgba,colorchannelmixer=aa=0.5',
      encoder: ['-c:v', 'libwebp'],
    });

    expect(chunkType(bytes)).toBe('VP8X');
    expect(sniffImage(bytes)).toEqual({
      ok: true,
      contentType: 'image/webp',
      width: 251,
      height: 123,
    });
  });
});

describe('sniffImage detects the type by bytes only', () => {
  it('rejects an empty file', () => {
    expect(sniffImage(new Uint8Array())).toMatchObject({ ok: false, code: 'empty' });
  });

  it('rejects text, GIF and a RIFF that is not WebP', () => {
    const text = new TextEncoder().encode('<html>not an image</html>');
    const gif = new TextEncoder().encode('GIF89a\x10\x00\x10\x00\x00\x00\x00;');
    const wav = new TextEncoder().encode('RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00');

    for (const bytes of [text, gif, wav]) {
      expect(sniffImage(bytes)).toMatchObject({ ok: false, code: 'unsupported_type' });
    }
  });

  it('finds the frame header by walking segments, not by scanning for a marker', () => {
    // An APP1 segment whose payload contains a fake SOF0 claiming 9999x9999.
    const app1Payload = [0xff, 0xc0, 0x00, 0x11, 0x08, 0x27, 0x0f, 0x27, 0x0f, 0, 0];
    const app1 = [0xff, 0xe1, 0x00, app1Payload.length + 2, ...app1Payload];
    // A progressive frame (SOF2) of 40 wide by 30 high.
    const sof2 = [0xff, 0xc2, 0x00, 0x0b, 0x08, 0x00, 30, 0x00, 40, 0x01, 0x01, 0x11, 0x00];
    const bytes = concat([0xff, 0xd8], app1, sof2, [0xff, 0xda, 0x00, 0x02, 0x12], [0xff, 0xd9]);

    expect(sniffImage(bytes)).toEqual({
      ok: true,
      contentType: 'image/jpeg',
      width: 40,
      height: 30,
    });
  });

  it('skips a DHT segment, whose marker sits inside the SOF range', () => {
    const dht = [0xff, 0xc4, 0x00, 0x05, 0xc0, 0x00, 0x10];
    const sof0 = [0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 64, 0x00, 32, 0x01, 0x01, 0x11, 0x00];
    const bytes = concat([0xff, 0xd8], dht, sof0, [0xff, 0xda, 0x00, 0x02, 0x12], [0xff, 0xd9]);

    expect(sniffImage(bytes)).toMatchObject({ ok: true, width: 32, height: 64 });
  });

  it('rejects a JPEG whose scan starts before any frame header', () => {
    const bytes = concat([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0x00, 0xff, 0xd9]);

    expect(sniffImage(bytes)).toMatchObject({ ok: false, code: 'unsupported_type' });
  });
});

describe('sniffImage detects truncation', () => {
  it.each(['png', 'jpeg', 'webp'] as const)('rejects a %s cut in half', async (format) => {
    const bytes = await makeImage(format, 320, 240);

    const result = sniffImage(bytes.subarray(0, Math.floor(bytes.length / 2)));

    expect(result).toMatchObject({ ok: false, code: 'truncated' });
  });

  it.each(['png', 'jpeg', 'webp'] as const)(
    'rejects a %s missing its last byte',
    async (format) => {
      const bytes = await makeImage(format, 320, 240);

      expect(sniffImage(bytes.subarray(0, bytes.length - 1))).toMatchObject({
        ok: false,
        code: 'truncated',
      });
    },
  );

  it.each([
    ['png', 20],
    ['jpeg', 2],
    ['webp', 10],
  ] as const)('rejects a %s cut inside its header (%i bytes)', async (format, length) => {
    const bytes = await makeImage(format, 320, 240);

    expect(sniffImage(bytes.subarray(0, length))).toMatchObject({ ok: false, code: 'truncated' });
  });

  it('accepts a JPEG with data appended after its EOI (as motion photos do)', async () => {
    const bytes = await makeImage('jpeg', 64, 64);
    const trailer = new TextEncoder().encode('....ftypmp42 appended video');

    expect(sniffImage(new Uint8Array([...bytes, ...trailer]))).toMatchObject({
      ok: true,
      width: 64,
      height: 64,
    });
  });

  it('rejects a cut JPEG even when its EXIF thumbnail holds an EOI', async () => {
    const bytes = await makeImage('jpeg', 320, 240);
    const thumbnail = [0xff, 0xd8, 0xff, 0xd9];
    const app1 = [0xff, 0xe1, 0x00, thumbnail.length + 2, ...thumbnail];
    const withThumbnail = new Uint8Array([0xff, 0xd8, ...app1, ...bytes.subarray(2)]);
    expect(sniffImage(withThumbnail)).toMatchObject({ ok: true });

    const cut = withThumbnail.subarray(0, Math.floor(withThumbnail.length * 0.75));

    expect(sniffImage(cut)).toMatchObject({ ok: false, code: 'truncated' });
  });

  it('accepts a PNG followed by trailing bytes after IEND', async () => {
    const bytes = await makeImage('png', 64, 64);
    const padded = new Uint8Array([...bytes, 0, 0, 0, 0]);

    expect(sniffImage(padded)).toMatchObject({ ok: true, width: 64, height: 64 });
  });
});

describe('sniffImage checks dimensions', () => {
  it.each([
    [15, 100],
    [100, 15],
    [8193, 16],
    [16, 8193],
  ])('rejects %ix%i', async (width, height) => {
    const bytes = await encodeImage('png', width, height, { encoder: ['-c:v', 'png'] });

    const result = sniffImage(bytes);

    expect(result).toMatchObject({ ok: false, code: 'bad_dimensions' });
    expect(result.ok ? '' : result.message).toContain(`${width}×${height}`);
  });

  it('accepts the limits themselves, 16 and 8192', async () => {
    const bytes = await makeImage('png', 8192, 16);

    expect(sniffImage(bytes)).toMatchObject({ ok: true, width: 8192, height: 16 });
  });
});
