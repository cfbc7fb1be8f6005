/**
 * The object store port. In Workers it is the R2 binding; in the Node consumer an
 * S3-compatible endpoint (R2's S3 API) or a folder on disk.
 */

export interface PutOptions {
  contentType: string;
  /** Byte length when known; streams of unknown length go through multipart upload. */
  length?: number;
}

export interface StoredObject {
  key: string;
  size: number;
  contentType: string;
}

export interface ObjectBody extends StoredObject {
  body: ReadableStream<Uint8Array>;
  /** Present when a range was requested: the served range. */
  range?: { offset: number; length: number };
}

export interface ObjectStore {
  put(
    key: string,
    body: ReadableStream<Uint8Array> | Uint8Array,
    options: PutOptions,
  ): Promise<StoredObject>;
  get(key: string, range?: { offset: number; length?: number }): Promise<ObjectBody | null>;
  head(key: string): Promise<StoredObject | null>;
  delete(key: string): Promise<void>;
}

/** A whole (small) object's bytes, e.g. a stored input image; null when it is gone. */
export async function readObjectBytes(store: ObjectStore, key: string): Promise<Uint8Array | null> {
  const object = await store.get(key);
  return object ? new Uint8Array(await new Response(object.body).arrayBuffer()) : null;
}
