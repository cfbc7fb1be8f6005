import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../core/storage/object-store.ts';
import { createFsStore } from './fs-store.ts';

let sandbox = '';
let root = '';
let store: ObjectStore;

function patternBytes(start: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = ((start + i) * 31 + ((start + i) >>> 11)) & 0xff;
  return bytes;
}

function streamOf(total: number, options: { failAfter?: number } = {}) {
  let produced = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (options.failAfter !== undefined && produced >= options.failAfter) {
        controller.error(new Error('the source broke mid-stream'));
        return;
      }
      if (produced >= total) {
        controller.close();
        return;
      }
      const size = Math.min(64 * 1024, total - produced);
      controller.enqueue(patternBytes(produced, size));
      produced += size;
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every file under a folder, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'reelbot-fs-store-'));
  root = join(sandbox, 'store');
  store = createFsStore(root);
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

describe('createFsStore', () => {
  it('stores bytes and reads them back with their content type', async () => {
    const bytes = patternBytes(0, 1000);

    const stored = await store.put('tasks/t1/input.png', bytes, { contentType: 'image/png' });

    expect(stored).toEqual({ key: 'tasks/t1/input.png', size: 1000, contentType: 'image/png' });
    expect(await store.head('tasks/t1/input.png')).toEqual(stored);
    const object = await store.get('tasks/t1/input.png');
    expect(object === null ? null : await readAll(object.body)).toEqual(bytes);
  });

  it('streams a large body of unknown length to disk and back unchanged', async () => {
    const size = 12 * 1024 * 1024 + 5;

    const stored = await store.put('tasks/t1/output.mp4', streamOf(size), {
      contentType: 'video/mp4',
    });

    expect(stored.size).toBe(size);
    const object = await store.get('tasks/t1/output.mp4');
    expect(object === null ? '' : sha256(await readAll(object.body))).toBe(
      sha256(patternBytes(0, size)),
    );
  });

  it('serves ranges', async () => {
    await store.put('v.mp4', patternBytes(0, 600_000), { contentType: 'video/mp4' });

    const middle = await store.get('v.mp4', { offset: 300_001, length: 1234 });
    const tail = await store.get('v.mp4', { offset: 599_990 });

    expect(middle?.range).toEqual({ offset: 300_001, length: 1234 });
    expect(middle === null ? null : await readAll(middle.body)).toEqual(
      patternBytes(300_001, 1234),
    );
    expect(tail?.range).toEqual({ offset: 599_990, length: 10 });
    expect(tail === null ? null : await readAll(tail.body)).toEqual(patternBytes(599_990, 10));
  });

  it('throws on a range past the end', async () => {
    await store.put('v.mp4', patternBytes(0, 100), { contentType: 'video/mp4' });

    await expect(store.get('v.mp4', { offset: 100 })).rejects.toThrow(RangeError);
  });

  it('answers null for a missing key, and for a key that is a folder', async () => {
    await store.put('tasks/t1/input.png', patternBytes(0, 10), { contentType: 'image/png' });

    expect(await store.get('tasks/t2/input.png')).toBeNull();
    expect(await store.head('tasks/t1')).toBeNull();
  });

  it('replaces an object on a second put', async () => {
    await store.put('k', patternBytes(0, 500), { contentType: 'image/png' });

    await store.put('k', patternBytes(7, 20), { contentType: 'image/webp' });

    const object = await store.get('k');
    expect(object).toMatchObject({ size: 20, contentType: 'image/webp' });
    expect(object === null ? null : await readAll(object.body)).toEqual(patternBytes(7, 20));
  });

  it('deletes an object, and deleting again is fine', async () => {
    await store.put('tasks/t1/input.png', patternBytes(0, 10), { contentType: 'image/png' });

    await store.delete('tasks/t1/input.png');
    await store.delete('tasks/t1/input.png');

    expect(await store.head('tasks/t1/input.png')).toBeNull();
    expect(await filesUnder(root)).toEqual([]);
  });

  it('leaves no object and no temporary file when the source fails', async () => {
    const put = store.put('tasks/t1/output.mp4', streamOf(1_000_000, { failAfter: 300_000 }), {
      contentType: 'video/mp4',
    });

    await expect(put).rejects.toThrow('the source broke mid-stream');
    expect(await store.head('tasks/t1/output.mp4')).toBeNull();
    expect(await filesUnder(root)).toEqual([]);
  });

  it('refuses a stream that does not match its declared length', async () => {
    const put = store.put('k', streamOf(100), { contentType: 'video/mp4', length: 101 });

    await expect(put).rejects.toThrow(RangeError);
    expect(await store.head('k')).toBeNull();
    expect(await filesUnder(root)).toEqual([]);
  });

  it.each([
    '',
    '..',
    '../escape.txt',
    'tasks/../../escape.txt',
    '/etc/passwd',
    'a//b',
    'a/./b',
    'trailing/',
    'a\\..\\..\\escape.txt',
    'nul\0byte',
  ])('refuses the key %j and writes nothing', async (key) => {
    await expect(store.put(key, patternBytes(0, 1), { contentType: 'x/y' })).rejects.toThrow(
      TypeError,
    );
    await expect(store.get(key)).rejects.toThrow(TypeError);
    await expect(store.delete(key)).rejects.toThrow(TypeError);
    expect(await filesUnder(sandbox)).toEqual([]);
  });
});
