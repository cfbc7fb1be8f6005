/**
 * A small Telegram Bot API client on fetch alone (Web APIs only, so it runs in the Worker, the
 * Node consumer and tests): JSON calls, streamed multipart uploads and file downloads. Every
 * expected failure is a value; the bot token lives only in request URLs and never reaches an
 * error, a log line or a result.
 */
import { readCapped } from '../media/read-capped.ts';

export interface TelegramApiOptions {
  token: string;
  /** The Bot API root, e.g. https://api.telegram.org or a local Bot API server. */
  apiRoot?: string;
  /**
   * Where files are downloaded from, as `<fileRoot>/file/bot<token>/<path>`; defaults to the
   * API root. A Bot API server run with --local answers absolute disk paths
   * (`<dir>/<token>/photos/file_1.jpg`); the part after the token is fetched from here, which
   * is how such a server is usually published (a web server over its --dir).
   */
  fileRoot?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  uploadTimeoutMs?: number;
}

export type TelegramFailure =
  | {
      ok: false;
      kind: 'api';
      method: string;
      errorCode: number;
      description: string;
      retryAfterMs?: number;
    }
  | { ok: false; kind: 'network'; method: string; description: string };

export type TelegramResult<T> = { ok: true; result: T } | TelegramFailure;

/** A file sent as one multipart part, streamed with a known size. */
export interface TelegramUpload {
  field: string;
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
  size: number;
}

export interface TelegramFile {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_path?: string;
}

export type DownloadResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; code: 'too_large' | 'failed'; message: string };

export interface TelegramApi {
  call<T>(method: string, params?: Record<string, unknown>): Promise<TelegramResult<T>>;
  upload<T>(
    method: string,
    params: Record<string, unknown>,
    file: TelegramUpload,
  ): Promise<TelegramResult<T>>;
  /** getFile, then the download through the API root; the link itself is never exposed. */
  downloadFile(fileId: string, maxBytes: number): Promise<DownloadResult>;
}

const encoder = new TextEncoder();

/** Builds a client for one bot. */
export function createTelegramApi(options: TelegramApiOptions): TelegramApi {
  const root = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fileRoot = (options.fileRoot ?? root).replace(/\/+$/, '');
  const methodUrl = (method: string) => `${root}/bot${options.token}/${method}`;

  async function send<T>(method: string, init: RequestInit, ms: number) {
    let response: Response;
    try {
      response = await doFetch(methodUrl(method), { ...init, signal: AbortSignal.timeout(ms) });
    } catch (error) {
      // Only the error's name: messages of some fetch implementations include the URL.
      const name = error instanceof Error ? error.name : 'Error';
      return networkFailure(method, `request failed (${name})`);
    }
    return readResponse<T>(method, response);
  }

  return {
    call(method, params = {}) {
      return send(
        method,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
        },
        timeoutMs,
      );
    },

    upload(method, params, file) {
      const multipart = multipartBody(params, file);
      return send(
        method,
        {
          method: 'POST',
          headers: {
            'content-type': `multipart/form-data; boundary=${multipart.boundary}`,
            'content-length': String(multipart.length),
          },
          body: multipart.body,
          duplex: 'half',
        } as RequestInit,
        options.uploadTimeoutMs ?? 300_000,
      );
    },

    async downloadFile(fileId, maxBytes) {
      const file = await this.call<TelegramFile>('getFile', { file_id: fileId });
      if (!file.ok) return { ok: false, code: 'failed', message: describeFailure(file) };
      const { file_path: path, file_size: size } = file.result;
      if (size !== undefined && size > maxBytes) {
        return { ok: false, code: 'too_large', message: `The file is ${size} bytes.` };
      }
      if (!path) return { ok: false, code: 'failed', message: 'Telegram gave no file path.' };
      const relative = relativeFilePath(path, options.token);
      if (relative === null) {
        return {
          ok: false,
          code: 'failed',
          message: 'The Bot API server gave a file path outside its files for this bot.',
        };
      }
      const encoded = relative.map(encodeURIComponent).join('/');
      const url = `${fileRoot}/file/bot${options.token}/${encoded}`;
      return download(doFetch, url, maxBytes, timeoutMs);
    },
  };
}

/**
 * The segments of a file path relative to the bot's files: the public Bot API and a local
 * server without --local answer `photos/file_1.jpg`; one with --local answers
 * `<dir>/<token>/photos/file_1.jpg`, whose part after the token is the same relative path.
 * Null for anything that would climb out of the bot's files.
 */
export function relativeFilePath(path: string, token: string): string[] | null {
  let relative = path;
  if (path.startsWith('/')) {
    const marker = `/${token}/`;
    const at = path.lastIndexOf(marker);
    if (at === -1) return null;
    relative = path.slice(at + marker.length);
  }
  const segments = relative.split('/');
  const unsafe = segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'));
  return unsafe ? null : segments;
}

/** A one-line description of a failure, safe to log and store (no token, no URL). */
export function describeFailure(failure: TelegramFailure): string {
  const code = failure.kind === 'api' ? ` ${failure.errorCode}` : '';
  return `Telegram ${failure.method}${code}: ${failure.description}`;
}

/** True when repeating the same call later may succeed (rate limits, server and network faults). */
export function isRetryableFailure(failure: TelegramFailure): boolean {
  return failure.kind === 'network' || failure.errorCode === 429 || failure.errorCode >= 500;
}

function networkFailure(method: string, description: string): TelegramFailure {
  return { ok: false, kind: 'network', method, description };
}

async function readResponse<T>(method: string, response: Response): Promise<TelegramResult<T>> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return response.ok
      ? networkFailure(method, `unreadable answer (HTTP ${response.status})`)
      : apiFailure(method, response.status, `HTTP ${response.status}`);
  }
  if (!isObject(body)) return networkFailure(method, 'unreadable answer');
  if (body.ok === true && 'result' in body) return { ok: true, result: body.result as T };

  const errorCode = typeof body.error_code === 'number' ? body.error_code : response.status;
  const description =
    typeof body.description === 'string' ? body.description : `HTTP ${response.status}`;
  const parameters = isObject(body.parameters) ? body.parameters : {};
  const retryAfter = typeof parameters.retry_after === 'number' ? parameters.retry_after : null;
  return apiFailure(method, errorCode, description, retryAfter);
}

function apiFailure(
  method: string,
  errorCode: number,
  description: string,
  retryAfterSeconds: number | null = null,
): TelegramFailure {
  return {
    ok: false,
    kind: 'api',
    method,
    errorCode,
    description,
    ...(retryAfterSeconds !== null ? { retryAfterMs: retryAfterSeconds * 1000 } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function download(
  doFetch: typeof fetch,
  url: string,
  maxBytes: number,
  timeoutMs: number,
): Promise<DownloadResult> {
  let response: Response;
  try {
    response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return { ok: false, code: 'failed', message: 'The file download failed.' };
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    return { ok: false, code: 'failed', message: `The file download answered ${response.status}.` };
  }
  let bytes: Uint8Array | null;
  try {
    bytes = await readCapped(response.body, maxBytes);
  } catch {
    return { ok: false, code: 'failed', message: 'The file download broke off.' };
  }
  if (!bytes) {
    return { ok: false, code: 'too_large', message: `The file is over ${maxBytes} bytes.` };
  }
  return { ok: true, bytes };
}

// The body is streamed (a video is never held whole) with an exact length, because R2 streams
// and some servers refuse chunked uploads.
function multipartBody(params: Record<string, unknown>, file: TelegramUpload) {
  const boundary = `reelbot-${crypto.randomUUID()}`;
  let head = '';
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    head += `--${boundary}\r\ncontent-disposition: form-data; name="${quote(name)}"\r\n\r\n`;
    head += `${text}\r\n`;
  }
  head +=
    `--${boundary}\r\ncontent-disposition: form-data; name="${quote(file.field)}"; ` +
    `filename="${quote(file.filename)}"\r\ncontent-type: ${file.contentType}\r\n\r\n`;
  const prefix = encoder.encode(head);
  const suffix = encoder.encode(`\r\n--${boundary}--\r\n`);
  const length = prefix.byteLength + file.size + suffix.byteLength;

  const reader = file.body.getReader();
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(prefix);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) {
        sent += value.byteLength;
        controller.enqueue(value);
        return;
      }
      if (sent !== file.size) {
        controller.error(new Error(`upload body was ${sent} bytes, not ${file.size}`));
        return;
      }
      controller.enqueue(suffix);
      controller.close();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { boundary, length, body: withFixedLength(stream, length) };
}

type FixedLengthStreamClass = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

// workerd sends a stream body chunked unless it goes through a FixedLengthStream; elsewhere
// the content-length header does it.
function withFixedLength(stream: ReadableStream<Uint8Array>, length: number) {
  const Fixed = (globalThis as { FixedLengthStream?: FixedLengthStreamClass }).FixedLengthStream;
  return Fixed ? stream.pipeThrough(new Fixed(length)) : stream;
}

function quote(value: string): string {
  return value.replace(/["\r\n\\]/g, '_');
}
