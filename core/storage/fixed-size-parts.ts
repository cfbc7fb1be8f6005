/** Multipart uploads (R2 binding and S3 API) cut a stream into equal parts with this. */

/**
 * Cuts a stream into parts of exactly `partSize` bytes (the last may be shorter), reusing one
 * buffer: each part must be consumed before the next is requested.
 */
export async function* fixedSizeParts(
  stream: ReadableStream<Uint8Array>,
  partSize: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  const buffer = new Uint8Array(partSize);
  let filled = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.byteLength) {
        const take = Math.min(partSize - filled, value.byteLength - offset);
        buffer.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === partSize) {
          yield buffer;
          filled = 0;
        }
      }
    }
    finished = true;
    if (filled > 0) yield buffer.subarray(0, filled);
  } finally {
    // Stopped early (upload failed): tell the producer nobody will read the rest.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
