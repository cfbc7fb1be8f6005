/**
 * The ObjectStore on a local folder, for self-hosting the Node consumer without R2. An object
 * is a file at `<root>/objects/<key>` with its content type beside it in `<root>/meta/<key>.json`;
 * writes land in `<root>/tmp` first and are renamed into place, so a failed or partial upload
 * never leaves a visible object.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ObjectBody, ObjectStore, StoredObject } from '../core/storage/object-store.ts';

const FALLBACK_CONTENT_TYPE = 'application/octet-stream';
const READ_CHUNK = 256 * 1024;

/** An ObjectStore keeping objects as files under `rootDir`. */
export function createFsStore(rootDir: string): ObjectStore {
  const root = resolve(rootDir);
  const objectsDir = join(root, 'objects');
  const metaDir = join(root, 'meta');
  const tmpDir = join(root, 'tmp');

  const dataPath = (key: string): string => pathInside(objectsDir, key);
  const metaPath = (key: string): string => `${pathInside(metaDir, key)}.json`;

  async function readContentType(key: string): Promise<string> {
    try {
      const meta: unknown = JSON.parse(await readFile(metaPath(key), 'utf8'));
      const type = (meta as { contentType?: unknown }).contentType;
      return typeof type === 'string' ? type : FALLBACK_CONTENT_TYPE;
    } catch {
      return FALLBACK_CONTENT_TYPE;
    }
  }

  async function statObject(key: string): Promise<StoredObject | null> {
    const path = dataPath(key);
    const info = await stat(path).catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw error;
    });
    if (info === null || !info.isFile()) return null;
    return { key, size: info.size, contentType: await readContentType(key) };
  }

  return {
    async put(key, body, options) {
      const target = dataPath(key);
      await mkdir(tmpDir, { recursive: true });
      const tmp = join(tmpDir, randomUUID());
      try {
        const size = await writeBody(tmp, body);
        if (options.length !== undefined && size !== options.length) {
          throw new RangeError(`declared length ${options.length} but got ${size} bytes`);
        }
        const metaTmp = `${tmp}.json`;
        await writeFile(metaTmp, JSON.stringify({ contentType: options.contentType }));
        await mkdir(dirname(target), { recursive: true });
        await mkdir(dirname(metaPath(key)), { recursive: true });
        await rename(metaTmp, metaPath(key));
        await rename(tmp, target);
        return { key, size, contentType: options.contentType };
      } catch (error) {
        await rm(tmp, { force: true });
        await rm(`${tmp}.json`, { force: true });
        throw error;
      }
    },

    async get(key, range) {
      const object = await statObject(key);
      if (object === null) return null;
      if (range === undefined) {
        return { ...object, body: fileStream(dataPath(key), 0, object.size) };
      }
      if (range.offset >= object.size || (range.length !== undefined && range.length < 1)) {
        throw new RangeError(`range starting at ${range.offset} is not satisfiable`);
      }
      const length = Math.min(range.length ?? object.size, object.size - range.offset);
      const body: ObjectBody = {
        ...object,
        body: fileStream(dataPath(key), range.offset, length),
        range: { offset: range.offset, length },
      };
      return body;
    },

    head: statObject,

    async delete(key) {
      await rm(dataPath(key), { force: true });
      await rm(metaPath(key), { force: true });
    },
  };
}

// LIMITATION: a key cannot also be the folder of another key ("a" and "a/b"), since one would
// be a file and the other needs a directory of the same name; such a put fails. Our keys
// (tasks/<id>/<file>) never collide this way.
/**
 * Maps a key to a path inside `dir`. Keys are `/`-separated segments; empty, `.` and `..`
 * segments, backslashes and NUL are refused so no key can name a file outside the store.
 */
function pathInside(dir: string, key: string): string {
  const segments = key.split('/');
  const invalid =
    key === '' ||
    key.includes('\0') ||
    key.includes('\\') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (invalid) {
    throw new TypeError('an object key must be "/"-separated names without "", "." or ".."');
  }
  const path = join(dir, ...segments);
  // Belt and braces: whatever the platform's path rules, the result must stay under dir.
  const rel = relative(dir, path);
  if (rel.startsWith(`..${sep}`) || rel === '..' || resolve(dir, rel) !== path) {
    throw new TypeError('an object key must stay inside the store');
  }
  return path;
}

async function writeBody(path: string, body: ReadableStream<Uint8Array> | Uint8Array) {
  if (body instanceof Uint8Array) {
    await writeFile(path, body);
    return body.byteLength;
  }
  const file = await open(path, 'w');
  const reader = body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await file.write(value);
      size += value.byteLength;
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
    await file.close();
  }
  return size;
}

/** A pull-based stream over `length` bytes of a file from `offset`, closing the file at end. */
function fileStream(path: string, offset: number, length: number): ReadableStream<Uint8Array> {
  let file: FileHandle | null = null;
  let position = offset;
  const end = offset + length;

  const close = async (): Promise<void> => {
    const handle = file;
    file = null;
    await handle?.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          file ??= await open(path, 'r');
          const want = Math.min(READ_CHUNK, end - position);
          if (want <= 0) {
            await close();
            controller.close();
            return;
          }
          const buffer = new Uint8Array(want);
          const { bytesRead } = await file.read(buffer, 0, want, position);
          if (bytesRead === 0) {
            // The file shrank under us (overwritten by a shorter object): end rather than hang.
            await close();
            controller.error(new Error('object changed while it was being read'));
            return;
          }
          position += bytesRead;
          controller.enqueue(buffer.subarray(0, bytesRead));
        } catch (error) {
          await close().catch(() => undefined);
          controller.error(error);
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
