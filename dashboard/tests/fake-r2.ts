// An in-memory R2 bucket with the calls the R2 object store makes (put of bytes, get with a
// range, head, delete), for loaders and actions run in Node.

interface Stored {
  bytes: Uint8Array;
  contentType: string | undefined;
}

function meta(key: string, stored: Stored) {
  return { key, size: stored.bytes.byteLength, httpMetadata: { contentType: stored.contentType } };
}

export function createFakeR2(): R2Bucket & { objects: Map<string, Stored> } {
  const objects = new Map<string, Stored>();
  const bucket = {
    objects,
    async put(key: string, value: Uint8Array, options?: R2PutOptions) {
      const contentType = (options?.httpMetadata as R2HTTPMetadata | undefined)?.contentType;
      const stored = { bytes: new Uint8Array(value), contentType };
      objects.set(key, stored);
      return meta(key, stored);
    },
    async head(key: string) {
      const stored = objects.get(key);
      return stored ? meta(key, stored) : null;
    },
    async get(key: string, options?: R2GetOptions) {
      const stored = objects.get(key);
      if (!stored) return null;
      const range = options?.range as { offset?: number; length?: number } | undefined;
      const start = range?.offset ?? 0;
      const end = range?.length === undefined ? undefined : start + range.length;
      const slice = stored.bytes.slice(start, end);
      return {
        ...meta(key, stored),
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(slice);
            controller.close();
          },
        }),
      };
    },
    async delete(key: string) {
      objects.delete(key);
    },
  };
  return bucket as unknown as R2Bucket & { objects: Map<string, Stored> };
}
