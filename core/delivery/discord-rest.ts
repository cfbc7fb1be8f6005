/**
 * A small Discord REST client: every call goes through DISCORD_API_BASE, rate limits are
 * honoured (per-route buckets from X-RateLimit-* headers, 429 with retry_after, the global
 * limit), uploads stream as multipart (`payload_json` + `files[0]`) without buffering the file,
 * and failures come back as values. Web APIs only, so it runs in Workers and in Node.
 */

export interface DiscordRestOptions {
  apiBase: string;
  botToken?: string | undefined;
  fetch?: typeof fetch;
  /** Per request; uploads of large videos need longer than small JSON edits. */
  timeoutMs?: number;
  /** The longest rate-limit wait done in place; longer waits come back as retryAfterMs. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A file to upload; `open` is called once per attempt, so a retried upload re-reads it. */
export interface UploadFile {
  name: string;
  contentType: string;
  size: number;
  open: () => Promise<ReadableStream<Uint8Array> | null>;
}

export type DiscordBody = { json: unknown } | { payload: unknown; file: UploadFile };

export interface DiscordFailure {
  ok: false;
  status: number;
  retryable: boolean;
  message: string;
  /** Discord's JSON error code (e.g. 50027 invalid webhook token), when it gave one. */
  code?: number;
  retryAfterMs?: number;
}

export type DiscordResponse = { ok: true; status: number; body: unknown } | DiscordFailure;

export interface DiscordRequest {
  body?: DiscordBody;
  /** 'bot' sends the bot token; interaction webhooks are authorised by their token instead. */
  auth: 'bot' | 'none';
}

export interface DiscordRest {
  request(method: string, path: string, request: DiscordRequest): Promise<DiscordResponse>;
}

const MAX_ATTEMPTS = 3;
const USER_AGENT = 'DiscordBot (https://github.com/reelbot/reelbot, 0.1.0)';
const encoder = new TextEncoder();

/** A client whose rate-limit state lives as long as it does (one Worker invocation). */
export function createDiscordRest(options: DiscordRestOptions): DiscordRest {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const maxWaitMs = options.maxWaitMs ?? 5000;
  const apiBase = options.apiBase.replace(/\/+$/, '');
  // Route key (method and path) -> when its exhausted bucket resets; and the global limit.
  // LIMITATION: this state lives in one client (one Worker invocation); concurrent isolates do
  // not share it, so each learns a limit from its own 429. A Durable Object could share it.
  const buckets = new Map<string, number>();
  let globalUntil = 0;

  async function waitForLimits(routeKey: string): Promise<DiscordFailure | null> {
    const until = Math.max(globalUntil, buckets.get(routeKey) ?? 0);
    const waitMs = until - now();
    if (waitMs <= 0) return null;
    if (waitMs > maxWaitMs) return rateLimited(waitMs);
    await sleep(waitMs);
    return null;
  }

  function remember(routeKey: string, response: Response): void {
    const remaining = response.headers.get('x-ratelimit-remaining');
    const resetAfter = Number(response.headers.get('x-ratelimit-reset-after'));
    if (remaining === '0' && Number.isFinite(resetAfter)) {
      buckets.set(routeKey, now() + resetAfter * 1000);
    } else {
      buckets.delete(routeKey);
    }
  }

  return {
    async request(method, path, request) {
      if (request.auth === 'bot' && !options.botToken) {
        return { ok: false, status: 0, retryable: false, message: 'no Discord bot token set' };
      }
      const routeKey = `${method} ${path.split('?')[0]}`;
      let last: DiscordFailure | null = null;

      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const blocked = await waitForLimits(routeKey);
        if (blocked) return blocked;

        const init = await buildInit(method, request, options);
        if (!init) return { ok: false, status: 0, retryable: true, message: 'file unavailable' };

        let response: Response;
        try {
          response = await doFetch(`${apiBase}${path}`, init);
        } catch {
          // The path holds the interaction token: never put it in the message.
          last = { ok: false, status: 0, retryable: true, message: 'Discord unreachable' };
          continue;
        }
        remember(routeKey, response);

        if (response.status !== 429) return readResult(response);

        const limit = await readRateLimit(response);
        if (limit.global) globalUntil = now() + limit.retryAfterMs;
        else buckets.set(routeKey, now() + limit.retryAfterMs);
        last = rateLimited(limit.retryAfterMs);
      }
      return last ?? { ok: false, status: 0, retryable: true, message: 'Discord unreachable' };
    },
  };
}

function rateLimited(retryAfterMs: number): DiscordFailure {
  return {
    ok: false,
    status: 429,
    retryable: true,
    message: 'Discord rate limit',
    retryAfterMs: Math.ceil(retryAfterMs),
  };
}

type FetchInit = RequestInit & { duplex?: 'half' };

async function buildInit(
  method: string,
  request: DiscordRequest,
  options: DiscordRestOptions,
): Promise<FetchInit | null> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (request.auth === 'bot') headers.authorization = `Bot ${options.botToken ?? ''}`;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const body = request.body;
  if (!body) return { method, headers, signal };
  if ('json' in body) {
    headers['content-type'] = 'application/json';
    return { method, headers, signal, body: JSON.stringify(body.json) };
  }

  const stream = await body.file.open();
  if (!stream) return null;
  const form = multipartStream(body.payload, body.file, stream);
  headers['content-type'] = `multipart/form-data; boundary=${form.boundary}`;
  headers['content-length'] = String(form.length);
  // Workers send a plain stream chunked whatever the header says; their FixedLengthStream
  // gives it a declared length. Node's fetch honours the header but needs `duplex`.
  const fixed = (globalThis as { FixedLengthStream?: FixedLength }).FixedLengthStream;
  const sized = fixed ? form.body.pipeThrough(new fixed(form.length)) : form.body;
  return { method, headers, signal, body: sized, duplex: 'half' };
}

type FixedLength = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

/** A multipart body of `payload_json` and `files[0]`, streamed, with its exact length. */
export function multipartStream(
  payload: unknown,
  file: Pick<UploadFile, 'name' | 'contentType' | 'size'>,
  source: ReadableStream<Uint8Array>,
): { body: ReadableStream<Uint8Array>; boundary: string; length: number } {
  const boundary = `reelbot-${crypto.randomUUID().replaceAll('-', '')}`;
  const filename = file.name.replace(/["\r\n]/g, '_');
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\n` +
      `Content-Type: application/json\r\n\r\n${JSON.stringify(payload)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="files[0]"; ` +
      `filename="${filename}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const reader = source.getReader();
  let stage: 'head' | 'file' | 'done' = 'head';

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 'head') {
        controller.enqueue(head);
        stage = 'file';
        return;
      }
      const chunk = await reader.read();
      if (!chunk.done) {
        controller.enqueue(chunk.value);
        return;
      }
      if (stage === 'file') controller.enqueue(tail);
      stage = 'done';
      controller.close();
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { body, boundary, length: head.byteLength + file.size + tail.byteLength };
}

async function readResult(response: Response): Promise<DiscordResponse> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok) return { ok: true, status: response.status, body };

  const code = jsonField(body, 'code');
  return {
    ok: false,
    status: response.status,
    retryable: response.status >= 500,
    message: `Discord answered ${response.status}${typeof code === 'number' ? ` (${code})` : ''}`,
    ...(typeof code === 'number' ? { code } : {}),
  };
}

async function readRateLimit(
  response: Response,
): Promise<{ retryAfterMs: number; global: boolean }> {
  const body: unknown = await response.json().catch(() => null);
  const seconds = jsonField(body, 'retry_after');
  const header = Number(response.headers.get('retry-after'));
  const retryAfterS =
    typeof seconds === 'number' ? seconds : Number.isFinite(header) && header > 0 ? header : 1;
  const global =
    jsonField(body, 'global') === true ||
    response.headers.get('x-ratelimit-global') === 'true' ||
    response.headers.get('x-ratelimit-scope') === 'global';
  return { retryAfterMs: Math.max(0, retryAfterS * 1000), global };
}

function jsonField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}
