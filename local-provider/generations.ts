// The local provider's generations: created once per idempotency key, rendered at most
// `maxConcurrentRenders` at a time, and forgotten (video file included) after a TTL.
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AspectRatio } from '../core/providers/provider.ts';
import { render } from './render.ts';
import type { DecodedImage, GenerationStatus, WireError } from './wire-format.ts';

export interface GenerationInput {
  prompt: string;
  image?: DecodedImage;
  /** The frame the video ends on (only with `image`). */
  lastFrame?: DecodedImage;
  durationSeconds: number;
  ratio: AspectRatio;
  idempotencyKey?: string;
}

export interface Generation {
  readonly id: string;
  readonly idempotencyKey: string | undefined;
  status: GenerationStatus;
  progress: number;
  error: WireError | null;
  /** The finished MP4, set once the render succeeded. */
  videoPath: string | null;
}

export type LogFn = (entry: Record<string, unknown>) => void;

export interface GenerationRegistryOptions {
  ffmpegPath: string;
  fontPath: string;
  /** A directory owned by this registry; removed on close. */
  dir: string;
  maxConcurrentRenders: number;
  resultTtlMs: number;
  renderTimeoutMs?: number;
  log: LogFn;
}

export interface GenerationRegistry {
  /** Creates a generation, or returns the one already made for the same idempotency key. */
  create(input: GenerationInput): { generation: Generation; created: boolean };
  get(id: string): Generation | undefined;
  findByKey(idempotencyKey: string): Generation | undefined;
  /** Generations waiting for a render slot. */
  queuedCount(): number;
  close(): Promise<void>;
}

interface InputPaths {
  imagePath?: string;
  lastFramePath?: string;
}

interface Entry {
  generation: Generation;
  /** The request without its image bytes, which live on disk until the render. */
  input: Omit<GenerationInput, 'image' | 'lastFrame'>;
  /** The input images written to disk; awaited before ffmpeg reads them. */
  inputReady: Promise<InputPaths>;
}

/**
 * An in-memory registry of generations backed by files in `options.dir`.
 * LIMITATION: a restart forgets every generation and idempotency key (clients then see 404 and
 * resubmit), and one key stays deduplicated only for the result TTL; enough for a local
 * provider that runs as a single process.
 */
export function createGenerationRegistry(options: GenerationRegistryOptions): GenerationRegistry {
  const entries = new Map<string, Entry>();
  const byKey = new Map<string, string>();
  const waiting: Entry[] = [];
  const running = new Set<Promise<void>>();
  const expiries = new Set<NodeJS.Timeout>();
  const shutdown = new AbortController();

  const writeImage = async (id: string, name: string, image: DecodedImage | undefined) => {
    if (!image) return undefined;
    const path = join(options.dir, `${id}.${name}.${image.type}`);
    await writeFile(path, image.bytes);
    return path;
  };
  const writeInput = async (id: string, input: GenerationInput): Promise<InputPaths> => {
    const [imagePath, lastFramePath] = await Promise.all([
      writeImage(id, 'input', input.image),
      writeImage(id, 'last', input.lastFrame),
    ]);
    return {
      ...(imagePath === undefined ? {} : { imagePath }),
      ...(lastFramePath === undefined ? {} : { lastFramePath }),
    };
  };

  const forgetLater = (entry: Entry): void => {
    const timer = setTimeout(() => {
      expiries.delete(timer);
      const { generation } = entry;
      entries.delete(generation.id);
      if (generation.idempotencyKey !== undefined) byKey.delete(generation.idempotencyKey);
      if (generation.videoPath) void rm(generation.videoPath, { force: true });
      options.log({ event: 'generation_expired', generation_id: generation.id });
    }, options.resultTtlMs);
    timer.unref();
    expiries.add(timer);
  };

  const runOne = async (entry: Entry): Promise<void> => {
    const { generation, input } = entry;
    const outputPath = join(options.dir, `${generation.id}.mp4`);
    generation.status = 'rendering';
    const started = Date.now();
    let paths: InputPaths = {};
    try {
      paths = await entry.inputReady;
      await render(
        {
          prompt: input.prompt,
          ...paths,
          durationSeconds: input.durationSeconds,
          ratio: input.ratio,
          fontPath: options.fontPath,
          outputPath,
        },
        {
          ffmpegPath: options.ffmpegPath,
          signal: shutdown.signal,
          onProgress: (percent) => (generation.progress = percent),
          ...(options.renderTimeoutMs === undefined ? {} : { timeoutMs: options.renderTimeoutMs }),
        },
      );
      generation.videoPath = outputPath;
      generation.status = 'succeeded';
      generation.progress = 100;
    } catch (error) {
      await rm(outputPath, { force: true });
      const message = error instanceof Error ? error.message : String(error);
      generation.status = 'failed';
      generation.error = { code: 'render_failed', message };
    } finally {
      for (const path of Object.values(paths)) await rm(path, { force: true });
    }
    options.log({
      event: 'generation_finished',
      generation_id: generation.id,
      task_id: generation.idempotencyKey,
      status: generation.status,
      error_code: generation.error?.code,
      ms: Date.now() - started,
    });
    forgetLater(entry);
  };

  const pump = (): void => {
    while (running.size < options.maxConcurrentRenders && !shutdown.signal.aborted) {
      const next = waiting.shift();
      if (!next) return;
      const job = runOne(next).finally(() => {
        running.delete(job);
        pump();
      });
      running.add(job);
    }
  };

  return {
    create(input) {
      const knownId =
        input.idempotencyKey === undefined ? undefined : byKey.get(input.idempotencyKey);
      const known = knownId === undefined ? undefined : entries.get(knownId);
      if (known) return { generation: known.generation, created: false };

      const id = `gen_${randomUUID().replaceAll('-', '')}`;
      const generation: Generation = {
        id,
        idempotencyKey: input.idempotencyKey,
        status: 'queued',
        progress: 0,
        error: null,
        videoPath: null,
      };
      const { image: _image, lastFrame: _lastFrame, ...rest } = input;
      const inputReady = writeInput(id, input);
      // A failed write surfaces when the render awaits it; keep it from being "unhandled" first.
      inputReady.catch(() => undefined);
      const entry: Entry = { generation, input: rest, inputReady };
      entries.set(id, entry);
      if (input.idempotencyKey !== undefined) byKey.set(input.idempotencyKey, id);
      waiting.push(entry);
      options.log({
        event: 'generation_created',
        generation_id: id,
        task_id: input.idempotencyKey,
      });
      // Deferred so the caller answers with the generation still "queued", as documented.
      queueMicrotask(pump);
      return { generation, created: true };
    },
    get: (id) => entries.get(id)?.generation,
    findByKey(idempotencyKey) {
      const id = byKey.get(idempotencyKey);
      return id === undefined ? undefined : entries.get(id)?.generation;
    },
    queuedCount: () => waiting.length,
    async close() {
      shutdown.abort();
      for (const timer of expiries) clearTimeout(timer);
      expiries.clear();
      await Promise.allSettled([...running]);
      await rm(options.dir, { recursive: true, force: true });
    },
  };
}
