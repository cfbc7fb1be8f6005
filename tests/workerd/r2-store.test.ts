// The R2 store against the real R2 binding inside workerd: bytes must round-trip exactly, a
// stream of unknown length must go up as equal parts read one at a time, and a failed upload
// must leave nothing behind.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createR2Store } from '../../core/storage/r2-store.ts';

// Env typing belongs to the Worker entry; this suite names only the binding it uses.
const bucket = (env as unknown as { MEDIA: R2Bucket }).MEDIA;

const MIB = 1024 * 1024;
const PART_SIZE = 5 * MIB + 1234;
const CHUNK = 64 * 1024;

/** Deterministic bytes that differ per position, so a reused or misplaced part shows up. */
function patternBytes(start: number, length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) {
    const position = start + i;
    bytes[i] = (position * 31 + (position >>> 11) + seed) & 0xff;
  }
  return bytes;
}

interface SourceOptions {
  seed?: number;
  /** Errors the stream once this many bytes have been produced. */
  failAfter?: number;
  /** Receives the running count of bytes produced, to check how far ahead the store reads. */
  onPull?: (produced: number) => void;
}

/** A lazily generated stream of unknown length: it produces a chunk only when read. */
function patternStream(total: number, options: SourceOptions = {}): ReadableStream<Uint8Array> {
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
        controller.enqueue(patternBytes(produced, size, options.seed ?? 0));
        produced += size;
        options.onPull?.(produced);
      },
    },
    { highWaterMark: 0 },
  );
}

async function sha256(stream: ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream('SHA-256');
  await stream.pipeTo(digest);
  return [...new Uint8Array(await digest.digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

async function patternHash(total: number, seed = 0): Promise<string> {
  return sha256(patternStream(total, { seed }));
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

interface SpyLog {
  multipartUploads: { key: string; uploadId: string }[];
  /** One entry per uploadPart call: part number, its size, and source bytes read by then. */
  parts: { partNumber: number; size: number; producedSoFar: number }[];
  aborted: string[];
  plainPuts: number;
}

/** Wraps the real binding to record the calls the store makes; every call still hits R2. */
function spyOn(target: R2Bucket, produced: () => number): { bucket: R2Bucket; log: SpyLog } {
  const log: SpyLog = { multipartUploads: [], parts: [], aborted: [], plainPuts: 0 };
  const wrapUpload = (upload: R2MultipartUpload): R2MultipartUpload => ({
    key: upload.key,
    uploadId: upload.uploadId,
    uploadPart: (partNumber, value, options) => {
      const size = ArrayBuffer.isView(value) ? value.byteLength : -1;
      log.parts.push({ partNumber, size, producedSoFar: produced() });
      return upload.uploadPart(partNumber, value, options);
    },
    abort: () => {
      log.aborted.push(upload.uploadId);
      return upload.abort();
    },
    complete: (parts) => upload.complete(parts),
  });
  const spy = new Proxy(target, {
    get(object, property) {
      if (property === 'put') {
        return (...args: Parameters<R2Bucket['put']>) => {
          log.plainPuts += 1;
          return object.put(...args);
        };
      }
      if (property === 'createMultipartUpload') {
        return async (...args: Parameters<R2Bucket['createMultipartUpload']>) => {
          const upload = await object.createMultipartUpload(...args);
          log.multipartUploads.push({ key: upload.key, uploadId: upload.uploadId });
          return wrapUpload(upload);
        };
      }
      const value: unknown = Reflect.get(object, property);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
  return { bucket: spy, log };
}

let key = '';
beforeEach(() => {
  key = `tests/r2-store/${crypto.randomUUID()}.bin`;
});

describe('createR2Store put', () => {
  it('stores bytes with their content type', async () => {
    const store = createR2Store(bucket);
    const bytes = patternBytes(0, 1000, 7);

    const stored = await store.put(key, bytes, { contentType: 'image/png' });

    expect(stored).toEqual({ key, size: 1000, contentType: 'image/png' });
    expect(await store.head(key)).toEqual({ key, size: 1000, contentType: 'image/png' });
    const object = await store.get(key);
    expect(object === null ? null : await readAll(object.body)).toEqual(bytes);
  });

  it('streams a body of known length through unchanged', async () => {
    const size = 12 * MIB + 77;
    const { bucket: spy, log } = spyOn(bucket, () => 0);
    const store = createR2Store(spy, { partSize: PART_SIZE });

    const stored = await store.put(key, patternStream(size, { seed: 1 }), {
      contentType: 'video/mp4',
      length: size,
    });

    expect(stored).toEqual({ key, size, contentType: 'video/mp4' });
    expect(log.multipartUploads).toEqual([]);
    const object = await store.get(key);
    expect(object === null ? '' : await sha256(object.body)).toBe(await patternHash(size, 1));
  });

  it('fails a known-length stream that ends early, storing nothing', async () => {
    const store = createR2Store(bucket);

    const put = store.put(key, patternStream(1000), { contentType: 'video/mp4', length: 2000 });

    await expect(put).rejects.toThrow();
    expect(await store.head(key)).toBeNull();
  });

  it('uploads a stream of unknown length as equal parts, one in memory at a time', async () => {
    const size = 12 * MIB + 123;
    let produced = 0;
    const { bucket: spy, log } = spyOn(bucket, () => produced);
    const store = createR2Store(spy, { partSize: PART_SIZE });

    const stored = await store.put(
      key,
      patternStream(size, { seed: 2, onPull: (n) => (produced = n) }),
      { contentType: 'video/mp4' },
    );

    expect(stored).toEqual({ key, size, contentType: 'video/mp4' });
    expect(log.multipartUploads).toHaveLength(1);
    expect(log.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [1, PART_SIZE],
      [2, PART_SIZE],
      [3, size - 2 * PART_SIZE],
    ]);
    // When part n goes up, the source has been read no further than part n plus one chunk.
    for (const part of log.parts) {
      expect(part.producedSoFar).toBeLessThanOrEqual(part.partNumber * PART_SIZE + CHUNK);
    }
    const object = await store.get(key);
    expect(object === null ? '' : await sha256(object.body)).toBe(await patternHash(size, 2));
  });

  it('stores a short stream of unknown length with one plain put', async () => {
    const { bucket: spy, log } = spyOn(bucket, () => 0);
    const store = createR2Store(spy, { partSize: PART_SIZE });

    const stored = await store.put(key, patternStream(300_000, { seed: 3 }), {
      contentType: 'image/webp',
    });

    expect(stored.size).toBe(300_000);
    expect(log.multipartUploads).toEqual([]);
    expect(log.plainPuts).toBe(1);
    const object = await store.get(key);
    expect(object === null ? null : await readAll(object.body)).toEqual(
      patternBytes(0, 300_000, 3),
    );
  });

  it('stores an empty stream of unknown length', async () => {
    const store = createR2Store(bucket, { partSize: PART_SIZE });

    const stored = await store.put(key, patternStream(0), { contentType: 'text/plain' });

    expect(stored.size).toBe(0);
    expect(await store.head(key)).toMatchObject({ size: 0 });
  });

  it('aborts the multipart upload when the source fails, leaving no object', async () => {
    const { bucket: spy, log } = spyOn(bucket, () => 0);
    const store = createR2Store(spy, { partSize: PART_SIZE });

    const put = store.put(key, patternStream(20 * MIB, { failAfter: 11 * MIB }), {
      contentType: 'video/mp4',
    });

    await expect(put).rejects.toThrow('the source broke mid-stream');
    expect(log.parts.map((p) => p.partNumber)).toEqual([1, 2]);
    const [upload] = log.multipartUploads;
    expect(log.aborted).toEqual([upload?.uploadId]);
    expect(await store.head(key)).toBeNull();
    // An aborted upload cannot be completed any more.
    const resumed = bucket.resumeMultipartUpload(key, upload?.uploadId ?? '');
    await expect(resumed.complete([])).rejects.toThrow();
  });

  it('refuses a part size under R2’s 5 MiB minimum', () => {
    expect(() => createR2Store(bucket, { partSize: 5 * MIB - 1 })).toThrow(RangeError);
  });
});

describe('createR2Store get, head and delete', () => {
  const size = 3 * MIB;

  async function storePattern() {
    const store = createR2Store(bucket);
    await store.put(key, patternBytes(0, size, 4), { contentType: 'video/mp4' });
    return store;
  }

  it('serves a range with offset and length', async () => {
    const store = await storePattern();

    const object = await store.get(key, { offset: MIB + 5, length: 1000 });

    expect(object).toMatchObject({ size, range: { offset: MIB + 5, length: 1000 } });
    expect(object === null ? null : await readAll(object.body)).toEqual(
      patternBytes(MIB + 5, 1000, 4),
    );
  });

  it('serves a range from an offset to the end', async () => {
    const store = await storePattern();

    const object = await store.get(key, { offset: size - 10 });

    expect(object?.range).toEqual({ offset: size - 10, length: 10 });
    expect(object === null ? null : await readAll(object.body)).toEqual(
      patternBytes(size - 10, 10, 4),
    );
  });

  it('serves the whole object without a range', async () => {
    const store = await storePattern();

    const object = await store.get(key);

    expect(object?.range).toBeUndefined();
    expect(object === null ? null : (await readAll(object.body)).length).toBe(size);
  });

  it('throws on a range past the end', async () => {
    const store = await storePattern();

    await expect(store.get(key, { offset: size })).rejects.toThrow(/not satisfiable/);
  });

  it('answers null for a missing key', async () => {
    const store = createR2Store(bucket);

    expect(await store.get(`${key}.missing`)).toBeNull();
    expect(await store.head(`${key}.missing`)).toBeNull();
  });

  it('deletes an object, and deleting again is fine', async () => {
    const store = await storePattern();

    await store.delete(key);
    await store.delete(key);

    expect(await store.head(key)).toBeNull();
    expect(await store.get(key)).toBeNull();
  });
});
