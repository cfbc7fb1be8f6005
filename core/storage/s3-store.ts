/**
 * The ObjectStore over the S3 API (R2's S3 endpoint), signed with aws4fetch, for the Node
 * consumer, which has no R2 binding. Also presigns GET links that providers can fetch.
 */
import { AwsClient } from 'aws4fetch';
import type { ObjectBody, ObjectStore, PutOptions, StoredObject } from './object-store.ts';
import { fixedSizeParts } from './fixed-size-parts.ts';

export interface S3StoreOptions {
  /** e.g. `https://<account>.r2.cloudflarestorage.com`; objects are addressed path-style. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** R2 wants `auto`. */
  region?: string;
  fetch?: typeof fetch;
  /** Multipart part size for streams of unknown length; at least 5 MiB (S3's minimum). */
  partSize?: number;
}

export interface S3Store extends ObjectStore {
  /** A GET link valid for `expiresInSeconds` (1 s to 7 days); the secret never enters it. */
  presignGetUrl(key: string, expiresInSeconds: number): Promise<string>;
}

/** An S3 call answered with an error status, or never answered. */
export class S3RequestError extends Error {
  override name = 'S3RequestError';
  readonly code = 's3_request_failed';

  constructor(
    message: string,
    readonly status: number | null,
    readonly s3Code: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MIB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MIB;
const DEFAULT_PART_SIZE = 8 * MIB;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

type Body = Uint8Array | ReadableStream<Uint8Array> | string;

interface Call {
  operation: string;
  method: string;
  key: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Body;
  /** Statuses that are answers rather than failures (404 on get, for instance). */
  accept?: number[];
}

/** An ObjectStore on an S3-compatible bucket, plus presigned GET links. */
export function createS3Store(options: S3StoreOptions): S3Store {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new RangeError(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes`);
  }
  const client = new AwsClient({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    service: 's3',
    region: options.region ?? 'auto',
    retries: 0,
  });
  const fetchImpl = options.fetch ?? fetch;
  const bucketUrl = `${options.endpoint.replace(/\/+$/, '')}/${encodeSegment(options.bucket)}`;

  function objectUrl(key: string, query: Record<string, string> = {}): URL {
    const url = new URL(`${bucketUrl}/${encodeKey(key)}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }

  async function send(call: Call): Promise<Response> {
    const url = objectUrl(call.key, call.query);
    const signed = await client.sign(url.href, {
      method: call.method,
      headers: call.headers ?? {},
    });
    // Node's fetch needs duplex for a stream body; workerd ignores it.
    const init: RequestInit & { duplex?: 'half' } = {
      method: call.method,
      headers: signed.headers,
      duplex: 'half',
    };
    if (call.body !== undefined) init.body = call.body;

    let response: Response;
    try {
      response = await fetchImpl(signed.url, init);
    } catch (error) {
      // The cause may quote the signed URL; only our own message names the call.
      throw new S3RequestError(`S3 ${call.operation} failed: network error`, null, null, {
        cause: error,
      });
    }
    if (response.ok || call.accept?.includes(response.status)) return response;
    throw await toRequestError(call.operation, response);
  }

  async function putMultipart(
    key: string,
    body: ReadableStream<Uint8Array>,
    contentType: string,
  ): Promise<StoredObject> {
    const parts = fixedSizeParts(body, partSize);
    const first = await parts.next();
    const firstPart = first.done ? new Uint8Array() : first.value;

    // Non-final parts are exactly partSize, so a shorter first part is the whole body.
    if (firstPart.byteLength < partSize) {
      await send({
        operation: 'PutObject',
        method: 'PUT',
        key,
        headers: { 'content-type': contentType },
        body: firstPart,
      });
      return { key, size: firstPart.byteLength, contentType };
    }

    const created = await send({
      operation: 'CreateMultipartUpload',
      method: 'POST',
      key,
      query: { uploads: '' },
      headers: { 'content-type': contentType },
    });
    const uploadId = xmlValue(await created.text(), 'UploadId');
    if (uploadId === null)
      throw new S3RequestError('S3 CreateMultipartUpload: no UploadId', 200, null);

    try {
      let size = 0;
      const etags: string[] = [];
      const uploadOne = async (part: Uint8Array): Promise<void> => {
        const response = await send({
          operation: 'UploadPart',
          method: 'PUT',
          key,
          query: { partNumber: String(etags.length + 1), uploadId },
          body: part,
        });
        await response.body?.cancel();
        etags.push(response.headers.get('etag') ?? '');
        size += part.byteLength;
      };
      await uploadOne(firstPart);
      for await (const part of parts) await uploadOne(part);

      const completed = await send({
        operation: 'CompleteMultipartUpload',
        method: 'POST',
        key,
        query: { uploadId },
        headers: { 'content-type': 'application/xml' },
        body: completeXml(etags),
      });
      // S3 may answer 200 and still report an error in the body.
      const answer = await completed.text();
      if (answer.includes('<Error>')) {
        throw new S3RequestError(
          'S3 CompleteMultipartUpload failed',
          200,
          xmlValue(answer, 'Code'),
        );
      }
      return { key, size, contentType };
    } catch (error) {
      await parts.return(undefined);
      await send({
        operation: 'AbortMultipartUpload',
        method: 'DELETE',
        key,
        query: { uploadId },
      }).catch(() => undefined);
      throw error;
    }
  }

  return {
    async put(key, body, putOptions: PutOptions) {
      const { contentType } = putOptions;
      if (body instanceof Uint8Array || putOptions.length !== undefined) {
        const length = body instanceof Uint8Array ? body.byteLength : (putOptions.length ?? 0);
        // R2 and S3 refuse a chunked PUT: the length must be declared up front.
        await send({
          operation: 'PutObject',
          method: 'PUT',
          key,
          headers: { 'content-type': contentType, 'content-length': String(length) },
          body,
        });
        return { key, size: length, contentType };
      }
      return putMultipart(key, body, contentType);
    },

    async get(key, range) {
      const headers: Record<string, string> = {};
      if (range !== undefined) headers.range = rangeHeader(range);
      const response = await send({
        operation: 'GetObject',
        method: 'GET',
        key,
        headers,
        accept: [404],
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      return toObjectBody(key, response, range !== undefined);
    },

    async head(key) {
      const response = await send({ operation: 'HeadObject', method: 'HEAD', key, accept: [404] });
      if (response.status === 404) return null;
      return {
        key,
        size: Number(response.headers.get('content-length') ?? 0),
        contentType: response.headers.get('content-type') ?? FALLBACK_CONTENT_TYPE,
      };
    },

    async delete(key) {
      const response = await send({
        operation: 'DeleteObject',
        method: 'DELETE',
        key,
        accept: [404],
      });
      await response.body?.cancel();
    },

    async presignGetUrl(key, expiresInSeconds) {
      if (
        !Number.isInteger(expiresInSeconds) ||
        expiresInSeconds < 1 ||
        expiresInSeconds > MAX_PRESIGN_SECONDS
      ) {
        throw new RangeError(
          `expiresInSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}`,
        );
      }
      const url = objectUrl(key, { 'X-Amz-Expires': String(expiresInSeconds) });
      const signed = await client.sign(url.href, { method: 'GET', aws: { signQuery: true } });
      return signed.url;
    },
  };
}

function toObjectBody(key: string, response: Response, ranged: boolean): ObjectBody {
  const contentType = response.headers.get('content-type') ?? FALLBACK_CONTENT_TYPE;
  const length = Number(response.headers.get('content-length') ?? 0);
  const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });

  const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(
    response.headers.get('content-range') ?? '',
  );
  if (response.status === 206 && contentRange !== null) {
    const [, start = '0', end = '0', total = '0'] = contentRange;
    return {
      key,
      size: Number(total),
      contentType,
      body,
      range: { offset: Number(start), length: Number(end) - Number(start) + 1 },
    };
  }
  const object: ObjectBody = { key, size: length, contentType, body };
  // A server may ignore Range and send everything: say so rather than pretend.
  if (ranged) object.range = { offset: 0, length };
  return object;
}

function rangeHeader(range: { offset: number; length?: number }): string {
  if (range.length === undefined) return `bytes=${range.offset}-`;
  if (range.length < 1) throw new RangeError('a range length must be at least 1');
  return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

async function toRequestError(operation: string, response: Response): Promise<S3RequestError> {
  const text = await response.text().catch(() => '');
  const code = xmlValue(text, 'Code');
  const suffix = code === null ? '' : ` ${code}`;
  return new S3RequestError(
    `S3 ${operation} failed: HTTP ${response.status}${suffix}`,
    response.status,
    code,
  );
}

function completeXml(etags: string[]): string {
  const parts = etags
    .map(
      (etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`,
    )
    .join('');
  const namespace = 'http://s3.amazonaws.com/doc/2006-03-01/';
  return `<CompleteMultipartUpload xmlns="${namespace}">${parts}</CompleteMultipartUpload>`;
}

function xmlValue(xml: string, tag: string): string | null {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1] === undefined ? null : unescapeXml(match[1]);
}

/**
 * Path-style object URL segments. `.` and `..` segments are refused: URL parsing would
 * collapse them (even percent-encoded) and address a different key.
 */
function encodeKey(key: string): string {
  const segments = key.split('/');
  if (key === '' || segments.some((s) => s === '.' || s === '..')) {
    throw new TypeError('an object key must be non-empty and have no "." or ".." segments');
  }
  return segments.map(encodeSegment).join('/');
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
