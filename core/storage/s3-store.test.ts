import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeS3, type FakeS3 } from '../../tests/fakes/fake-s3.ts';
import { createS3Store, S3RequestError, type S3StoreOptions } from './s3-store.ts';

const MIB = 1024 * 1024;
const PART_SIZE = 5 * MIB + 1234;
const CHUNK = 64 * 1024;
const CREDENTIALS = {
  bucket: 'reelbot-media',
  accessKeyId: 'AKIDTESTREELBOT',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTSECRET',
};

let fake: FakeS3;
let clockOffsetMs = 0;

function store(overrides: Partial<S3StoreOptions> = {}) {
  return createS3Store({ endpoint: fake.endpoint, ...CREDENTIALS, ...overrides });
}

/** Deterministic bytes that differ per position, so a reused or misplaced part shows up. */
function patternBytes(start: number, length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) {
    const position = start + i;
    bytes[i] = (position * 31 + (position >>> 11) + seed) & 0xff;
  }
  return bytes;
}

/** A lazily generated stream: a chunk is produced only when read. */
function patternStream(
  total: number,
  options: { seed?: number; failAfter?: number; onPull?: (produced: number) => void } = {},
): ReadableStream<Uint8Array> {
  let produced = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (options.failAfter !== undefined && produced >= options.failAfter) {
          controller.error(new Error('the source broke mid-stream'));
          return;
        }
        if (produced >= total) {
          controller.close();
          return;
        }
        const size = Math.min(CHUNK, total - produced);
        controller.enqueue(patternBytes(produced, size, options.seed));
        produced += size;
        options.onPull?.(produced);
      },
    },
    { highWaterMark: 0 },
  );
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function requestsFor(method: string, queryName?: string) {
  return fake.requests.filter(
    (r) => r.method === method && (queryName === undefined || r.query.has(queryName)),
  );
}

beforeAll(async () => {
  fake = await startFakeS3({
    ...CREDENTIALS,
    now: () => new Date(Date.now() + clockOffsetMs),
  });
});

afterAll(async () => {
  await fake.close();
});

let key = '';
beforeEach(() => {
  key = `tasks/${crypto.randomUUID()}/output.mp4`;
  fake.requests.length = 0;
  fake.onRequest = undefined;
  clockOffsetMs = 0;
});

describe('createS3Store put', () => {
  it('stores bytes with their content type', async () => {
    const bytes = patternBytes(0, 5000);

    const stored = await store().put(key, bytes, { contentType: 'image/png' });

    expect(stored).toEqual({ key, size: 5000, contentType: 'image/png' });
    expect(fake.objects.get(key)?.contentType).toBe('image/png');
    expect(new Uint8Array(fake.objects.get(key)?.bytes ?? [])).toEqual(bytes);
  });

  it('sends a stream of known length in one PUT with Content-Length, not chunked', async () => {
    const size = 3 * MIB + 5;

    await store().put(key, patternStream(size, { seed: 1 }), {
      contentType: 'video/mp4',
      length: size,
    });

    const [put] = requestsFor('PUT');
    expect(put?.headers['content-length']).toBe(String(size));
    expect(put?.headers['transfer-encoding']).toBeUndefined();
    expect(sha256(fake.objects.get(key)?.bytes ?? new Uint8Array())).toBe(
      sha256(patternBytes(0, size, 1)),
    );
  });

  it('fails a known-length stream that ends early, storing nothing', async () => {
    const put = store().put(key, patternStream(1000), { contentType: 'video/mp4', length: 2000 });

    await expect(put).rejects.toThrow(S3RequestError);
    expect(fake.objects.has(key)).toBe(false);
  });

  it('uploads a stream of unknown length as equal parts, reading one part at a time', async () => {
    const size = 12 * MIB + 321;
    let produced = 0;
    const producedAtPart: { partNumber: number; produced: number }[] = [];
    fake.onRequest = (req) => {
      const partNumber = new URL(req.url ?? '/', 'http://x').searchParams.get('partNumber');
      if (partNumber !== null) producedAtPart.push({ partNumber: Number(partNumber), produced });
    };

    const stored = await store({ partSize: PART_SIZE }).put(
      key,
      patternStream(size, { seed: 2, onPull: (n) => (produced = n) }),
      { contentType: 'video/mp4' },
    );

    expect(stored).toEqual({ key, size, contentType: 'video/mp4' });
    expect(requestsFor('POST', 'uploads')).toHaveLength(1);
    expect(requestsFor('PUT', 'partNumber').map((r) => r.headers['content-length'])).toEqual([
      String(PART_SIZE),
      String(PART_SIZE),
      String(size - 2 * PART_SIZE),
    ]);
    expect(requestsFor('POST', 'uploadId').map((r) => r.status)).toEqual([200]);
    for (const { partNumber, produced: readSoFar } of producedAtPart) {
      expect(readSoFar).toBeLessThanOrEqual(partNumber * PART_SIZE + CHUNK);
    }
    expect(fake.objects.get(key)?.contentType).toBe('video/mp4');
    expect(sha256(fake.objects.get(key)?.bytes ?? new Uint8Array())).toBe(
      sha256(patternBytes(0, size, 2)),
    );
  });

  it('stores a short stream of unknown length with one PUT', async () => {
    const stored = await store({ partSize: PART_SIZE }).put(key, patternStream(70_000), {
      contentType: 'image/jpeg',
    });

    expect(stored.size).toBe(70_000);
    expect(fake.requests.map((r) => r.method)).toEqual(['PUT']);
    expect(fake.objects.get(key)?.bytes.length).toBe(70_000);
  });

  it('aborts the multipart upload when the source fails, leaving no object', async () => {
    const put = store({ partSize: PART_SIZE }).put(
      key,
      patternStream(20 * MIB, { failAfter: 11 * MIB }),
      { contentType: 'video/mp4' },
    );

    await expect(put).rejects.toThrow('the source broke mid-stream');
    expect(requestsFor('PUT', 'partNumber')).toHaveLength(2);
    expect(requestsFor('DELETE', 'uploadId').map((r) => r.status)).toEqual([204]);
    expect(fake.uploads.size).toBe(0);
    expect(fake.objects.has(key)).toBe(false);
  });

  it('refuses a part size under 5 MiB', () => {
    expect(() => store({ partSize: MIB })).toThrow(RangeError);
  });

  it.each(['', 'tasks/../secret', './a', 'a/./b'])('refuses the key %j', async (badKey) => {
    await expect(store().put(badKey, new Uint8Array(1), { contentType: 'x/y' })).rejects.toThrow(
      TypeError,
    );
  });
});

describe('createS3Store get, head and delete', () => {
  const size = 2 * MIB;

  async function storePattern() {
    const s3 = store();
    await s3.put(key, patternBytes(0, size, 4), { contentType: 'video/mp4' });
    return s3;
  }

  it('serves a range with offset and length', async () => {
    const s3 = await storePattern();

    const object = await s3.get(key, { offset: MIB + 3, length: 999 });

    expect(object).toMatchObject({ key, size, contentType: 'video/mp4' });
    expect(object?.range).toEqual({ offset: MIB + 3, length: 999 });
    expect(object === null ? null : await readAll(object.body)).toEqual(
      patternBytes(MIB + 3, 999, 4),
    );
    expect(requestsFor('GET')[0]?.headers.range).toBe(`bytes=${MIB + 3}-${MIB + 3 + 998}`);
  });

  it('serves a range from an offset to the end', async () => {
    const s3 = await storePattern();

    const object = await s3.get(key, { offset: size - 7 });

    expect(object?.range).toEqual({ offset: size - 7, length: 7 });
    expect(object === null ? null : await readAll(object.body)).toEqual(
      patternBytes(size - 7, 7, 4),
    );
  });

  it('serves the whole object without a range', async () => {
    const s3 = await storePattern();

    const object = await s3.get(key);

    expect(object?.range).toBeUndefined();
    expect(object === null ? '' : sha256(await readAll(object.body))).toBe(
      sha256(patternBytes(0, size, 4)),
    );
  });

  it('throws on a range past the end', async () => {
    const s3 = await storePattern();

    await expect(s3.get(key, { offset: size })).rejects.toMatchObject({
      name: 'S3RequestError',
      status: 416,
      s3Code: 'InvalidRange',
    });
  });

  it('heads an object', async () => {
    const s3 = await storePattern();

    expect(await s3.head(key)).toEqual({ key, size, contentType: 'video/mp4' });
  });

  it('answers null for a missing key', async () => {
    expect(await store().get(`${key}.missing`)).toBeNull();
    expect(await store().head(`${key}.missing`)).toBeNull();
  });

  it('deletes an object, and deleting again is fine', async () => {
    const s3 = await storePattern();

    await s3.delete(key);
    await s3.delete(key);

    expect(fake.objects.has(key)).toBe(false);
    expect(await s3.head(key)).toBeNull();
  });

  it('round-trips keys that need encoding', async () => {
    const awkward = `tasks/a b+c/ünï (1)!*'~%25.mp4`;
    const s3 = store();

    await s3.put(awkward, patternBytes(0, 10), { contentType: 'video/mp4' });
    const object = await s3.get(awkward);

    expect(fake.objects.has(awkward)).toBe(true);
    expect(object === null ? null : await readAll(object.body)).toEqual(patternBytes(0, 10));
  });
});

describe('createS3Store authentication', () => {
  it('is refused with a wrong secret, and the error does not carry the secret', async () => {
    const wrong = 'this-is-not-the-secret-0123456789abcdefgh';

    const error: unknown = await store({ secretAccessKey: wrong })
      .put(key, patternBytes(0, 10), { contentType: 'video/mp4' })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 403, s3Code: 'SignatureDoesNotMatch' });
    expect(String(error)).not.toContain(wrong);
    expect(fake.objects.has(key)).toBe(false);
  });

  it('is refused with an unknown access key', async () => {
    await expect(store({ accessKeyId: 'AKIDUNKNOWN' }).get(key)).rejects.toMatchObject({
      status: 403,
      s3Code: 'InvalidAccessKeyId',
    });
  });

  it('is refused when the clocks disagree by more than 15 minutes', async () => {
    clockOffsetMs = 20 * 60 * 1000;

    await expect(store().get(key)).rejects.toMatchObject({
      status: 403,
      s3Code: 'RequestTimeTooSkewed',
    });
  });
});

describe('presignGetUrl', () => {
  const bytes = patternBytes(0, 4096, 9);

  it('gives a link anyone can GET until it expires, without the secret in it', async () => {
    const s3 = store();
    await s3.put(key, bytes, { contentType: 'video/mp4' });

    const link = await s3.presignGetUrl(key, 60);
    const response = await fetch(link);

    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    const url = new URL(link);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDTESTREELBOT\//);
    expect(link).not.toContain(CREDENTIALS.secretAccessKey);
    expect(link).not.toContain(encodeURIComponent(CREDENTIALS.secretAccessKey));
  });

  it('is refused once expired', async () => {
    const s3 = store();
    await s3.put(key, bytes, { contentType: 'video/mp4' });
    const link = await s3.presignGetUrl(key, 60);

    clockOffsetMs = 61_000;
    const response = await fetch(link);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('is refused when signed with a wrong secret', async () => {
    await store().put(key, bytes, { contentType: 'video/mp4' });
    const forged = await store({ secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret!!' });

    const response = await fetch(await forged.presignGetUrl(key, 60));

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('SignatureDoesNotMatch');
  });

  it('is refused when pointed at another key', async () => {
    const s3 = store();
    await s3.put(key, bytes, { contentType: 'video/mp4' });
    await s3.put(`${key}.other`, bytes, { contentType: 'video/mp4' });
    const link = new URL(await s3.presignGetUrl(key, 60));

    link.pathname = `${link.pathname}.other`;
    const response = await fetch(link);

    expect(response.status).toBe(403);
  });

  it('works for keys that need encoding', async () => {
    const awkward = `tasks/x y/ü (2)!.mp4`;
    const s3 = store();
    await s3.put(awkward, bytes, { contentType: 'video/mp4' });

    const response = await fetch(await s3.presignGetUrl(awkward, 300));

    expect(response.status).toBe(200);
  });

  it.each([0, -1, 1.5, 7 * 24 * 3600 + 1])('refuses an expiry of %d seconds', async (seconds) => {
    await expect(store().presignGetUrl(key, seconds)).rejects.toThrow(RangeError);
  });
});
