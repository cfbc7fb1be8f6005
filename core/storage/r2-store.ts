/**
 * The ObjectStore on a Workers R2 binding. R2 only takes a stream whose length it knows, so a
 * known length goes through a FixedLengthStream and an unknown one through a multipart upload
 * fed one part at a time, which keeps memory flat however large the video is.
 */
import type { ObjectBody, ObjectStore, PutOptions, StoredObject } from './object-store.ts';
import { fixedSizeParts } from './fixed-size-parts.ts';

export interface R2StoreOptions {
  /** Multipart part size for streams of unknown length; at least 5 MiB (R2's minimum). */
  partSize?: number;
}

const MIB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MIB;
const DEFAULT_PART_SIZE = 8 * MIB;
const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

/** An ObjectStore backed by an R2 bucket binding. */
export function createR2Store(bucket: R2Bucket, options: R2StoreOptions = {}): ObjectStore {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new RangeError(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes`);
  }

  return {
    async put(key, body, putOptions) {
      if (body instanceof Uint8Array) return putBytes(bucket, key, body, putOptions);
      if (putOptions.length !== undefined) {
        return putKnownLength(bucket, key, body, putOptions.length, putOptions.contentType);
      }
      return putUnknownLength(bucket, key, body, putOptions.contentType, partSize);
    },

    async get(key, range) {
      const object = await bucket.get(key, range === undefined ? {} : { range });
      if (object === null) return null;
      return toObjectBody(object, range);
    },

    async head(key) {
      const object = await bucket.head(key);
      return object === null ? null : toStoredObject(object);
    },

    async delete(key) {
      await bucket.delete(key);
    },
  };
}

async function putBytes(
  bucket: R2Bucket,
  key: string,
  bytes: Uint8Array,
  options: PutOptions,
): Promise<StoredObject> {
  if (options.length !== undefined && options.length !== bytes.byteLength) {
    throw new RangeError(`declared length ${options.length} but got ${bytes.byteLength} bytes`);
  }
  const object = await bucket.put(key, bytes, {
    httpMetadata: { contentType: options.contentType },
  });
  return storedOrThrow(object, key);
}

async function putKnownLength(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  contentType: string,
): Promise<StoredObject> {
  // FixedLengthStream errors if the source yields more or fewer bytes than declared, so a
  // short body fails the put instead of storing a truncated object.
  const sized = body.pipeThrough(new FixedLengthStream(length));
  const object = await bucket.put(key, sized, { httpMetadata: { contentType } });
  return storedOrThrow(object, key);
}

async function putUnknownLength(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  contentType: string,
  partSize: number,
): Promise<StoredObject> {
  const parts = fixedSizeParts(body, partSize);
  const first = await parts.next();
  const firstPart = first.done ? new Uint8Array() : first.value;

  // Non-final parts are exactly partSize, so a shorter first part is the whole body.
  if (firstPart.byteLength < partSize) {
    const object = await bucket.put(key, firstPart, { httpMetadata: { contentType } });
    return storedOrThrow(object, key);
  }

  const upload = await bucket.createMultipartUpload(key, { httpMetadata: { contentType } });
  try {
    const uploaded = [await upload.uploadPart(1, firstPart)];
    for await (const part of parts) {
      uploaded.push(await upload.uploadPart(uploaded.length + 1, part));
    }
    return toStoredObject(await upload.complete(uploaded));
  } catch (error) {
    await parts.return(undefined);
    await upload.abort().catch(() => undefined);
    throw error;
  }
}

function toObjectBody(object: R2ObjectBody, requested?: { offset: number; length?: number }) {
  const body: ObjectBody = { ...toStoredObject(object), body: object.body };
  if (requested !== undefined) {
    const length = requested.length ?? Math.max(0, object.size - requested.offset);
    body.range = {
      offset: requested.offset,
      length: Math.min(length, Math.max(0, object.size - requested.offset)),
    };
  }
  return body;
}

function toStoredObject(object: R2Object): StoredObject {
  return {
    key: object.key,
    size: object.size,
    contentType: object.httpMetadata?.contentType ?? FALLBACK_CONTENT_TYPE,
  };
}

function storedOrThrow(object: R2Object | null, key: string): StoredObject {
  // put only answers null when an onlyIf condition fails, and we never pass one.
  if (object === null) throw new Error(`R2 refused to store ${key}`);
  return toStoredObject(object);
}
