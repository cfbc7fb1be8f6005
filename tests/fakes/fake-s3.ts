// A small S3-compatible server (path-style, one bucket, objects in memory) that checks AWS
// Signature V4 the way S3 does, computed here with node:crypto and independently of aws4fetch:
// header-signed requests and query-presigned links, clock skew and link expiry. Implements
// PutObject, GetObject (with Range), HeadObject, DeleteObject and the multipart calls.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeS3Options {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  /** The server's clock, for expiry and skew checks. */
  now?: () => Date;
  /** S3 refuses non-final multipart parts under 5 MiB. */
  minPartSize?: number;
}

export interface FakeS3Object {
  bytes: Buffer;
  contentType: string;
  etag: string;
}

export interface FakeS3Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  status: number;
}

export interface FakeS3 {
  /** The endpoint to hand to the client, e.g. http://127.0.0.1:PORT. */
  endpoint: string;
  objects: Map<string, FakeS3Object>;
  /** Multipart uploads in progress, by upload id. */
  uploads: Map<string, { key: string; contentType: string; parts: Map<number, FakeS3Object> }>;
  requests: FakeS3Request[];
  /** Called when a request's headers arrive, before its body is read. */
  onRequest: ((request: IncomingMessage) => void) | undefined;
  close(): Promise<void>;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the fake on a random loopback port. */
export async function startFakeS3(options: FakeS3Options): Promise<FakeS3> {
  const fake: FakeS3 = {
    endpoint: '',
    objects: new Map(),
    uploads: new Map(),
    requests: [],
    onRequest: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const settings: Settings = {
    ...options,
    region: options.region ?? 'auto',
    now: options.now ?? (() => new Date()),
    minPartSize: options.minPartSize ?? 5 * 1024 * 1024,
  };

  const server = createServer((req, res) => {
    fake.onRequest?.(req);
    handle(fake, settings, req, res).catch((error: unknown) => {
      const s3 =
        error instanceof S3Error ? error : new S3Error(500, 'InternalError', String(error));
      sendError(res, req.method === 'HEAD', s3);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = fake.close;
  fake.close = () => {
    server.closeAllConnections();
    return close();
  };
  return fake;
}

type Settings = Required<FakeS3Options>;

async function handle(
  fake: FakeS3,
  settings: Settings,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const rawUrl = req.url ?? '/';
  const [rawPath = '/', rawQuery = ''] = rawUrl.split('?', 2);
  const query = new URLSearchParams(rawQuery);
  const method = req.method ?? 'GET';
  const body = await readBody(req);
  res.on('finish', () => {
    fake.requests.push({
      method,
      path: rawPath,
      query,
      headers: req.headers,
      status: res.statusCode,
    });
  });

  verifySignature(settings, { method, rawPath, rawQuery, headers: req.headers, body });

  const segments = rawPath.split('/').slice(1).map(decodeURIComponent);
  const [bucket, ...keyParts] = segments;
  if (bucket !== settings.bucket) throw new S3Error(404, 'NoSuchBucket', 'No such bucket');
  const key = keyParts.join('/');
  if (key === '') throw new S3Error(400, 'InvalidRequest', 'Bucket operations are not supported');

  if (method === 'POST' && query.has('uploads')) return createUpload(fake, req, res, key);
  if (method === 'PUT' && query.has('uploadId')) return uploadPart(fake, req, res, query, body);
  if (method === 'POST' && query.has('uploadId')) {
    return completeUpload(fake, settings, res, key, query, body);
  }
  if (method === 'DELETE' && query.has('uploadId')) return abortUpload(fake, res, query);
  if (method === 'PUT') return putObject(fake, req, res, key, body);
  if (method === 'GET' || method === 'HEAD') return getObject(fake, req, res, key, method);
  if (method === 'DELETE') {
    fake.objects.delete(key);
    res.writeHead(204).end();
    return;
  }
  throw new S3Error(405, 'MethodNotAllowed', `${method} is not supported`);
}

function putObject(
  fake: FakeS3,
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  body: Buffer,
): void {
  requireContentLength(req);
  const object = toObject(body, req.headers['content-type'] ?? 'binary/octet-stream');
  fake.objects.set(key, object);
  res.writeHead(200, { etag: object.etag }).end();
}

function createUpload(fake: FakeS3, req: IncomingMessage, res: ServerResponse, key: string): void {
  const uploadId = randomUUID();
  fake.uploads.set(uploadId, {
    key,
    contentType: req.headers['content-type'] ?? 'binary/octet-stream',
    parts: new Map(),
  });
  sendXml(
    res,
    200,
    `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>${escapeXml(key)}</Key>` +
      `<UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
  );
}

function uploadPart(
  fake: FakeS3,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  body: Buffer,
): void {
  requireContentLength(req);
  const upload = fake.uploads.get(query.get('uploadId') ?? '');
  if (upload === undefined) throw new S3Error(404, 'NoSuchUpload', 'No such upload');
  const partNumber = Number(query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new S3Error(400, 'InvalidArgument', 'Bad part number');
  }
  const part = toObject(body, upload.contentType);
  upload.parts.set(partNumber, part);
  res.writeHead(200, { etag: part.etag }).end();
}

function completeUpload(
  fake: FakeS3,
  settings: Settings,
  res: ServerResponse,
  key: string,
  query: URLSearchParams,
  body: Buffer,
): void {
  const uploadId = query.get('uploadId') ?? '';
  const upload = fake.uploads.get(uploadId);
  if (upload === undefined || upload.key !== key) {
    throw new S3Error(404, 'NoSuchUpload', 'No such upload');
  }
  const listed = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
    partNumber: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? '')?.[1]),
    etag: unescapeXml(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1] ?? '')?.[1] ?? ''),
  }));
  if (listed.length === 0) throw new S3Error(400, 'MalformedXML', 'No parts listed');

  const chunks: Buffer[] = [];
  for (const [index, entry] of listed.entries()) {
    const part = upload.parts.get(entry.partNumber);
    if (part === undefined || part.etag !== entry.etag) {
      throw new S3Error(400, 'InvalidPart', `Part ${entry.partNumber} is missing or changed`);
    }
    if (index > 0 && entry.partNumber <= (listed[index - 1]?.partNumber ?? 0)) {
      throw new S3Error(400, 'InvalidPartOrder', 'Parts must be in ascending order');
    }
    if (index < listed.length - 1 && part.bytes.length < settings.minPartSize) {
      throw new S3Error(400, 'EntityTooSmall', `Part ${entry.partNumber} is too small`);
    }
    chunks.push(part.bytes);
  }
  const object = toObject(Buffer.concat(chunks), upload.contentType);
  fake.objects.set(key, object);
  fake.uploads.delete(uploadId);
  sendXml(
    res,
    200,
    `<CompleteMultipartUploadResult><Key>${escapeXml(key)}</Key>` +
      `<ETag>${escapeXml(object.etag)}</ETag></CompleteMultipartUploadResult>`,
  );
}

function abortUpload(fake: FakeS3, res: ServerResponse, query: URLSearchParams): void {
  if (!fake.uploads.delete(query.get('uploadId') ?? '')) {
    throw new S3Error(404, 'NoSuchUpload', 'No such upload');
  }
  res.writeHead(204).end();
}

function getObject(
  fake: FakeS3,
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  method: 'GET' | 'HEAD',
): void {
  const object = fake.objects.get(key);
  if (object === undefined) throw new S3Error(404, 'NoSuchKey', 'The key does not exist');
  const size = object.bytes.length;
  const headers = { 'content-type': object.contentType, etag: object.etag };

  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (method === 'GET' && range !== null) {
    const start = Number(range[1]);
    const end = Math.min(range[2] === '' ? size - 1 : Number(range[2]), size - 1);
    if (start >= size || end < start) {
      throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
    }
    res.writeHead(206, {
      ...headers,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${size}`,
    });
    res.end(object.bytes.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': size });
  res.end(method === 'HEAD' ? undefined : object.bytes);
}

interface SignedRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function verifySignature(settings: Settings, request: SignedRequest): void {
  const query = new URLSearchParams(request.rawQuery);
  if (query.has('X-Amz-Signature')) return verifyPresigned(settings, request, query);

  const authorization = request.headers.authorization;
  if (authorization === undefined) throw denied('Anonymous access is not allowed');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (match === null) throw denied('Malformed Authorization header');
  const [, credential = '', signedHeaders = '', signature = ''] = match;

  const amzDate = header(request.headers, 'x-amz-date');
  checkSkew(settings, amzDate);
  const payloadHash = header(request.headers, 'x-amz-content-sha256');
  if (payloadHash === '') throw new S3Error(400, 'InvalidRequest', 'Missing x-amz-content-sha256');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256Hex(request.body)) {
    throw new S3Error(400, 'XAmzContentSHA256Mismatch', 'The payload hash does not match');
  }
  const signed = signedHeaders.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) {
    throw denied('host and x-amz-date must be signed');
  }
  const canonicalQuery = canonicalQueryString(request.rawQuery, false);
  checkSignature(settings, request, {
    credential,
    signed,
    signature,
    amzDate,
    payloadHash,
    canonicalQuery,
  });
}

function verifyPresigned(settings: Settings, request: SignedRequest, query: URLSearchParams): void {
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw denied('Unsupported algorithm');
  const amzDate = query.get('X-Amz-Date') ?? '';
  const expires = Number(query.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires is invalid');
  }
  const signedAt = parseAmzDate(amzDate);
  const now = settings.now().getTime();
  if (signedAt - now > MAX_SKEW_MS) throw denied('Request is not yet valid');
  if (now > signedAt + expires * 1000) throw denied('Request has expired');

  checkSignature(settings, request, {
    credential: query.get('X-Amz-Credential') ?? '',
    signed: (query.get('X-Amz-SignedHeaders') ?? '').split(';'),
    signature: query.get('X-Amz-Signature') ?? '',
    amzDate,
    payloadHash: 'UNSIGNED-PAYLOAD',
    canonicalQuery: canonicalQueryString(request.rawQuery, true),
  });
}

interface SignatureParts {
  credential: string;
  signed: string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  canonicalQuery: string;
}

function checkSignature(settings: Settings, request: SignedRequest, parts: SignatureParts): void {
  const [accessKeyId, date, region, service, terminator] = parts.credential.split('/');
  if (accessKeyId !== settings.accessKeyId) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The access key id does not exist');
  }
  if (date !== parts.amzDate.slice(0, 8) || region !== settings.region || service !== 's3') {
    throw denied('Credential scope does not match');
  }
  if (terminator !== 'aws4_request') throw denied('Credential scope does not match');

  const canonicalHeaders = parts.signed
    .map((name) => `${name}:${header(request.headers, name).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalUri(request.rawPath),
    parts.canonicalQuery,
    canonicalHeaders,
    parts.signed.join(';'),
    parts.payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', parts.amzDate, scope, sha256Hex(canonicalRequest)].join(
    '\n',
  );
  const signingKey = ['s3', 'aws4_request'].reduce(
    (key, part) => hmac(key, part),
    hmac(hmac(`AWS4${settings.secretAccessKey}`, date), region),
  );
  const expected = Buffer.from(hmac(signingKey, stringToSign).toString('hex'));
  const given = Buffer.from(parts.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The signature does not match');
  }
}

/** S3 URI-encodes each path segment once: every byte but A-Z a-z 0-9 - _ . ~ */
function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join('/');
}

function canonicalQueryString(rawQuery: string, presigned: boolean): string {
  return [...new URLSearchParams(rawQuery)]
    .filter(([name]) => !(presigned && name === 'X-Amz-Signature'))
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function uriEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function checkSkew(settings: Settings, amzDate: string): void {
  const skew = Math.abs(settings.now().getTime() - parseAmzDate(amzDate));
  if (skew > MAX_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The request time is too far from ours');
  }
}

function parseAmzDate(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (m === null) throw denied('Malformed X-Amz-Date');
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

function requireContentLength(req: IncomingMessage): void {
  // R2 and S3 refuse chunked uploads without a declared length.
  if (req.headers['content-length'] === undefined) {
    throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length header');
  }
}

function toObject(bytes: Buffer, contentType: string): FakeS3Object {
  return { bytes, contentType, etag: `"${createHash('md5').update(bytes).digest('hex')}"` };
}

function header(headers: IncomingMessage['headers'], name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function denied(message: string): S3Error {
  return new S3Error(403, 'AccessDenied', message);
}

function sendError(res: ServerResponse, isHead: boolean, error: S3Error): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const message = escapeXml(error.message);
  const xml = `<Error><Code>${error.code}</Code><Message>${message}</Message></Error>`;
  if (isHead) res.writeHead(error.status).end();
  else sendXml(res, error.status, xml);
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string | undefined): Buffer {
  return createHmac('sha256', key)
    .update(data ?? '')
    .digest();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
