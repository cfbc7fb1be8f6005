/*
 * The local provider's HTTP API (version 1). JSON in and out; errors are
 * `{"error": {"code": string, "message": string}}`.
 *
 * POST /v1/generations
 *   body  {prompt: string 1..2000, image?: "data:image/(png|jpeg|webp);base64,...",
 *          last_frame?: same as image, only with image (the video ends on it),
 *          duration: integer 1..10, ratio: "16:9" | "9:16" | "1:1", idempotency_key?: string}
 *   201   {id, status: "queued", progress: 0, video_url: null, error: null}
 *   200   the existing generation when idempotency_key was seen before (no second render)
 *   400   code "bad_request" (schema) or "unsupported_image" (over 10 MB, not a real
 *         PNG/JPEG/WebP by its bytes, type differs from the declared one, too many pixels)
 *   413   code "payload_too_large": body over 28 MB
 *   429   code "rate_limited" with Retry-After (seconds): the render queue is full
 * GET /v1/generations/:id
 *   200   {id, status: "queued" | "rendering" | "succeeded" | "failed", progress: 0..100,
 *          video_url: absolute URL | null, error: {code, message} | null}
 *         a failed render has error.code "render_failed"
 *   404   code "not_found": unknown or expired (generations are forgotten after the TTL)
 * GET /v1/generations/:id/video
 *   200   video/mp4 with Content-Length; 404 code "not_found" when unknown or not ready
 * GET /healthz
 *   200   {ok: true}
 */
import { mkdir, mkdtemp, open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGenerationRegistry, type Generation, type LogFn } from './generations.ts';
import type { GenerationRegistry } from './generations.ts';
import {
  InputError,
  MAX_BODY_BYTES,
  parseCreateRequest,
  type GenerationBody,
} from './wire-format.ts';

export interface LocalProviderServerOptions {
  ffmpegPath: string;
  fontPath: string;
  /** Temporary inputs and finished videos live in a fresh folder inside it. */
  workDir: string;
  maxConcurrentRenders?: number;
  /** Base of the video URLs handed out; defaults to the address the server listens on. */
  publicUrl?: string;
  /** How long finished videos (and their generations) are kept; default one hour. */
  resultTtlMs?: number;
  /** Generations allowed to wait for a render slot before submits get 429. */
  maxQueued?: number;
  renderTimeoutMs?: number;
  log?: LogFn;
}

export interface LocalProviderServer {
  listen(port: number, host: string): Promise<{ url: string }>;
  close(): Promise<void>;
}

const GENERATION_PATH = /^\/v1\/generations\/([A-Za-z0-9_-]{1,100})(\/video)?$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** The body, or null once it passes MAX_BODY_BYTES (the rest is drained and dropped). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) resolve(null);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listenUrl(address: AddressInfo, host: string): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const name = wildcard ? '127.0.0.1' : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${address.port}`;
}

/** The local ffmpeg video provider as a plain node:http server. */
export function createLocalProviderServer(
  options: LocalProviderServerOptions,
): LocalProviderServer {
  const log = options.log ?? (() => undefined);
  const maxQueued = options.maxQueued ?? 100;
  let registry: GenerationRegistry | null = null;
  let baseUrl = options.publicUrl?.replace(/\/+$/, '') ?? '';

  const toBody = (g: Generation): GenerationBody => ({
    id: g.id,
    status: g.status,
    progress: g.progress,
    video_url: g.status === 'succeeded' ? `${baseUrl}/v1/generations/${g.id}/video` : null,
    error: g.error,
  });

  const createGeneration = async (
    req: IncomingMessage,
    res: ServerResponse,
    generations: GenerationRegistry,
  ): Promise<void> => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const raw = declared > MAX_BODY_BYTES ? null : await readBody(req);
    if (raw === null) {
      res.setHeader('connection', 'close');
      return sendError(
        res,
        413,
        'payload_too_large',
        `body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`,
      );
    }

    let request: ReturnType<typeof parseCreateRequest>;
    try {
      request = parseCreateRequest(raw.toString('utf8'));
    } catch (error) {
      if (error instanceof InputError) return sendError(res, 400, error.code, error.message);
      throw error;
    }
    const { body, image, lastFrame } = request;

    const replayed =
      body.idempotency_key === undefined ? undefined : generations.findByKey(body.idempotency_key);
    if (replayed) return sendJson(res, 200, toBody(replayed));
    if (generations.queuedCount() >= maxQueued) {
      res.setHeader('retry-after', '5');
      return sendError(res, 429, 'rate_limited', 'too many generations are waiting to render');
    }

    const { generation, created } = generations.create({
      prompt: body.prompt,
      ...(image === undefined ? {} : { image }),
      ...(lastFrame === undefined ? {} : { lastFrame }),
      durationSeconds: body.duration,
      ratio: body.ratio,
      ...(body.idempotency_key === undefined ? {} : { idempotencyKey: body.idempotency_key }),
    });
    sendJson(res, created ? 201 : 200, toBody(generation));
  };

  const sendVideo = async (res: ServerResponse, generation: Generation | undefined) => {
    const handle = generation?.videoPath
      ? await open(generation.videoPath).catch(() => null)
      : null;
    if (!handle) return sendError(res, 404, 'not_found', 'no video for this id');
    // Streaming from the open handle: a TTL expiry that unlinks the file mid-download is harmless.
    const { size } = await handle.stat();
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
    try {
      await pipeline(handle.createReadStream(), res);
    } catch (error) {
      // A client that hangs up mid-download is not a server fault.
      if (!res.destroyed || res.writableFinished) throw error;
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const generations = registry;
    if (!generations) return sendError(res, 503, 'unavailable', 'the server is stopping');
    const { pathname } = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';

    if (pathname === '/healthz' && method === 'GET') return sendJson(res, 200, { ok: true });
    if (pathname === '/v1/generations' && method === 'POST') {
      return createGeneration(req, res, generations);
    }
    const match = GENERATION_PATH.exec(pathname);
    if (match?.[1] !== undefined && method === 'GET') {
      const generation = generations.get(match[1]);
      if (match[2] !== undefined) return sendVideo(res, generation);
      if (!generation) return sendError(res, 404, 'not_found', 'no generation with this id');
      return sendJson(res, 200, toBody(generation));
    }
    const knownPath = pathname === '/v1/generations' || match !== null || pathname === '/healthz';
    if (knownPath) return sendError(res, 405, 'method_not_allowed', `${method} is not allowed`);
    sendError(res, 404, 'not_found', 'no such endpoint');
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () =>
      log({
        event: 'request',
        method: req.method,
        path: req.url,
        status: res.statusCode,
        ms: Date.now() - started,
      }),
    );
    route(req, res).catch((error: unknown) => {
      log({ level: 'error', event: 'request_failed', path: req.url, error: String(error) });
      if (!res.headersSent) sendError(res, 500, 'internal', 'the provider failed unexpectedly');
      else res.destroy();
    });
  });

  return {
    async listen(port, host) {
      await mkdir(options.workDir, { recursive: true });
      const dir = await mkdtemp(join(options.workDir, 'local-provider-'));
      registry = createGenerationRegistry({
        ffmpegPath: options.ffmpegPath,
        fontPath: options.fontPath,
        dir,
        maxConcurrentRenders: options.maxConcurrentRenders ?? 2,
        resultTtlMs: options.resultTtlMs ?? 60 * 60_000,
        ...(options.renderTimeoutMs === undefined
          ? {}
          : { renderTimeoutMs: options.renderTimeoutMs }),
        log,
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const url = listenUrl(server.address() as AddressInfo, host);
      if (baseUrl === '') baseUrl = url;
      return { url };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await registry?.close();
      registry = null;
    },
  };
}
