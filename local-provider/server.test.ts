import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  ffmpegPath,
  frameColor,
  makeImage,
  makeSolidImage,
  probeVideo,
  type ImageFormat,
} from '../tests/helpers/media.ts';
import { resolveDefaultFontPath } from './render.ts';
import { createLocalProviderServer, type LocalProviderServerOptions } from './server.ts';
import { MAX_BODY_BYTES, type GenerationBody } from './wire-format.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'reelbot-local-provider-test-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function startServer(overrides: Partial<LocalProviderServerOptions> = {}) {
  const events: Record<string, unknown>[] = [];
  const server = createLocalProviderServer({
    ffmpegPath,
    fontPath: resolveDefaultFontPath(),
    workDir,
    log: (entry) => events.push(entry),
    ...overrides,
  });
  const { url } = await server.listen(0, '127.0.0.1');
  onTestFinished(() => server.close());
  return { url, events };
}

/** A PNG header claiming the given size, with no pixel data behind it. */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  bytes.set(new TextEncoder().encode('IHDR'), 12);
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  return bytes;
}

/** The first chunk of an animated WebP (VP8X with the animation flag set). */
function animatedWebpHeader(): Uint8Array {
  const bytes = new Uint8Array(30);
  const text = new TextEncoder();
  bytes.set(text.encode('RIFF'), 0);
  bytes.set(text.encode('WEBPVP8X'), 8);
  bytes.set([10, 0, 0, 0, 0x02, 0, 0, 0, 63, 0, 0, 63, 0, 0], 16);
  return bytes;
}

function dataUri(format: ImageFormat, bytes: Uint8Array): string {
  return `data:image/${format};base64,${Buffer.from(bytes).toString('base64')}`;
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function getGeneration(url: string, id: string): Promise<GenerationBody> {
  const response = await fetch(`${url}/v1/generations/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as GenerationBody;
}

async function waitUntilDone(url: string, id: string): Promise<GenerationBody> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const generation = await getGeneration(url, id);
    if (generation.status === 'succeeded' || generation.status === 'failed') return generation;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`generation ${id} did not finish in time`);
}

async function renderAndProbe(url: string, body: Record<string, unknown>) {
  return probeVideo(await renderVideo(url, body));
}

async function renderVideo(url: string, body: Record<string, unknown>): Promise<Uint8Array> {
  const created = await post(url, body);
  expect(created.status).toBe(201);
  const { id } = created.json as GenerationBody;
  const done = await waitUntilDone(url, id);
  expect(done).toMatchObject({ status: 'succeeded', progress: 100, error: null });
  expect(done.video_url).toBe(`${url}/v1/generations/${id}/video`);

  const response = await fetch(done.video_url ?? '');
  expect(response.headers.get('content-type')).toBe('video/mp4');
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
  return bytes;
}

describe('rendering over HTTP', () => {
  it.each([
    { format: 'png', ratio: '9:16', duration: 2, width: 480, height: 854 },
    { format: 'jpeg', ratio: '1:1', duration: 1, width: 640, height: 640 },
    { format: 'webp', ratio: '16:9', duration: 1, width: 854, height: 480 },
  ] as const)('animates a $format image into a $ratio H.264 MP4', async (c) => {
    const { url } = await startServer();
    const image = dataUri(c.format, await makeImage(c.format, 320, 240));

    const probe = await renderAndProbe(url, {
      prompt: 'slow zoom',
      image,
      duration: c.duration,
      ratio: c.ratio,
    });

    expect(probe).toMatchObject({ codec: 'h264', width: c.width, height: c.height });
    expect(Math.abs(probe.durationSeconds - c.duration)).toBeLessThanOrEqual(0.5);
  });

  it('starts on the image and ends on the last frame when one is given', async () => {
    const { url } = await startServer();
    const red = dataUri('png', await makeSolidImage('png', 'red'));
    const blue = dataUri('jpeg', await makeSolidImage('jpeg', 'blue'));

    const video = await renderVideo(url, {
      prompt: 'red to blue',
      image: red,
      last_frame: blue,
      duration: 2,
      ratio: '16:9',
    });

    const probe = await probeVideo(video);
    expect(probe).toMatchObject({ codec: 'h264', width: 854, height: 480 });
    expect(Math.abs(probe.durationSeconds - 2)).toBeLessThanOrEqual(0.5);
    const [r0, , b0] = await frameColor(video, 0);
    const [r1, , b1] = await frameColor(video, 1.9);
    expect(r0).toBeGreaterThan(200);
    expect(b0).toBeLessThan(60);
    expect(b1).toBeGreaterThan(200);
    expect(r1).toBeLessThan(60);
  });

  it('turns a prompt alone into a 16:9 title card of the requested length', async () => {
    const { url } = await startServer();

    const probe = await renderAndProbe(url, {
      prompt: 'A lighthouse at dusk, waves rolling in',
      duration: 2,
      ratio: '16:9',
    });

    expect(probe).toMatchObject({ codec: 'h264', width: 854, height: 480 });
    expect(Math.abs(probe.durationSeconds - 2)).toBeLessThanOrEqual(0.5);
  });

  it('renders a prompt full of characters special to ffmpeg filters', async () => {
    const { url } = await startServer();
    const prompt = [
      `It's "quoted": 100% \\ back\\\\slash, [brackets]; semi=colon`,
      `%{pts} \${x} ünï 你好 🎬`,
    ].join('\n');

    const probe = await renderAndProbe(url, { prompt, duration: 1, ratio: '1:1' });

    expect(probe).toMatchObject({ codec: 'h264', width: 640, height: 640 });
  });
});

describe('POST /v1/generations', () => {
  it('answers 201 with a queued generation', async () => {
    const { url } = await startServer();

    const created = await post(url, { prompt: 'hello', duration: 1, ratio: '1:1' });

    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^gen_/),
      status: 'queued',
      progress: 0,
      video_url: null,
      error: null,
    });
  });

  it('answers a repeated idempotency key with the same generation, rendered once', async () => {
    const { url, events } = await startServer();
    const body = { prompt: 'once', duration: 1, ratio: '1:1', idempotency_key: 'task-1' };

    const first = await post(url, body);
    const second = await post(url, body);
    const other = await post(url, { ...body, idempotency_key: 'task-2' });

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect((second.json as GenerationBody).id).toBe((first.json as GenerationBody).id);
    expect((other.json as GenerationBody).id).not.toBe((first.json as GenerationBody).id);
    const created = events.filter(
      (e) => e.event === 'generation_created' && e.task_id === 'task-1',
    );
    expect(created).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', '{"prompt": '],
    ['a missing prompt', { duration: 1, ratio: '1:1' }],
    ['a blank prompt', { prompt: '   ', duration: 1, ratio: '1:1' }],
    ['a prompt over 2000 characters', { prompt: 'x'.repeat(2001), duration: 1, ratio: '1:1' }],
    ['a duration of 11 s', { prompt: 'p', duration: 11, ratio: '1:1' }],
    ['a fractional duration', { prompt: 'p', duration: 1.5, ratio: '1:1' }],
    ['an unknown ratio', { prompt: 'p', duration: 1, ratio: '4:3' }],
  ])('refuses %s with 400 bad_request', async (_name, body) => {
    const { url } = await startServer();

    const result = await post(url, body);

    expect(result.status).toBe(400);
    expect((result.json as ErrorBody).error.code).toBe('bad_request');
  });

  it.each([
    ['bytes that are not an image', () => `data:image/png;base64,${btoa('just some text')}`],
    ['a JPEG declared as PNG', async () => dataUri('png', await makeImage('jpeg', 64, 64))],
    ['a GIF', () => `data:image/gif;base64,${btoa('GIF89a')}`],
    ['a 20000-pixel-wide image', () => dataUri('png', pngHeader(20_000, 100))],
    ['an animated WebP', () => dataUri('webp', animatedWebpHeader())],
    ['a URL instead of a data URI', () => 'https://example.com/cat.png'],
    ['an image over 10 MB', () => `data:image/png;base64,${'A'.repeat(14 * 1024 * 1024)}`],
  ])('refuses %s with 400 unsupported_image', async (_name, makeUri) => {
    const { url } = await startServer();

    const result = await post(url, {
      prompt: 'p',
      duration: 1,
      ratio: '1:1',
      image: await makeUri(),
    });

    expect(result.status).toBe(400);
    expect((result.json as ErrorBody).error.code).toBe('unsupported_image');
  });

  it('refuses a last frame that is not an image, and one without a first image', async () => {
    const { url } = await startServer();
    const image = dataUri('png', await makeImage('png', 64, 64));

    const broken = await post(url, {
      prompt: 'p',
      duration: 1,
      ratio: '1:1',
      image,
      last_frame: `data:image/png;base64,${btoa('not a picture')}`,
    });
    const alone = await post(url, { prompt: 'p', duration: 1, ratio: '1:1', last_frame: image });

    expect(broken.status).toBe(400);
    expect((broken.json as ErrorBody).error).toMatchObject({
      code: 'unsupported_image',
      message: expect.stringContaining('last_frame') as unknown,
    });
    expect(alone.status).toBe(400);
    expect((alone.json as ErrorBody).error.code).toBe('bad_request');
  });

  it('refuses a body over 28 MB with 413', async () => {
    const { url } = await startServer();

    const response = await fetch(`${url}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    });

    expect(response.status).toBe(413);
  });
});

describe('GET endpoints', () => {
  it('answers 404 not_found for an unknown generation and its video', async () => {
    const { url } = await startServer();

    const generation = await fetch(`${url}/v1/generations/gen_nope`);
    const video = await fetch(`${url}/v1/generations/gen_nope/video`);

    expect(generation.status).toBe(404);
    expect(((await generation.json()) as ErrorBody).error.code).toBe('not_found');
    expect(video.status).toBe(404);
  });

  it('answers /healthz', async () => {
    const { url } = await startServer();

    const response = await fetch(`${url}/healthz`);

    expect(await response.json()).toEqual({ ok: true });
  });
});

describe('the render queue', () => {
  it('keeps renders beyond maxConcurrentRenders queued until a slot frees', async () => {
    const { url } = await startServer({ maxConcurrentRenders: 1 });
    const body = { prompt: 'queue', duration: 3, ratio: '16:9' };

    const first = (await post(url, body)).json as GenerationBody;
    const second = (await post(url, body)).json as GenerationBody;
    const secondWhileFirstRuns = await getGeneration(url, second.id);
    const firstNow = await getGeneration(url, first.id);

    expect(firstNow.status).not.toBe('queued');
    expect(secondWhileFirstRuns).toMatchObject({ status: 'queued', progress: 0 });
    expect((await waitUntilDone(url, second.id)).status).toBe('succeeded');
  });

  it('marks a generation failed with render_failed when ffmpeg fails', async () => {
    const { url } = await startServer();
    // A well-formed PNG (signature, IHDR, IDAT, IEND) whose compressed pixels are garbage:
    // it passes the header checks and only ffmpeg finds out.
    const corrupt = new Uint8Array(await makeImage('png', 64, 64));
    const idat = Buffer.from(corrupt).indexOf('IDAT');
    corrupt.fill(0xff, idat + 4, idat + 4 + 64);

    const created = (
      await post(url, {
        prompt: 'p',
        duration: 1,
        ratio: '1:1',
        image: dataUri('png', corrupt),
      })
    ).json as GenerationBody;
    const done = await waitUntilDone(url, created.id);

    expect(done.status).toBe('failed');
    expect(done.video_url).toBeNull();
    expect(done.error?.code).toBe('render_failed');
    expect(done.error?.message).toMatch(/ffmpeg exited/);
  });

  it('deletes finished videos and forgets their generations after the TTL', async () => {
    const ownDir = await mkdtemp(join(workDir, 'ttl-'));
    const { url } = await startServer({ resultTtlMs: 300, workDir: ownDir });
    const created = (await post(url, { prompt: 'short-lived', duration: 1, ratio: '1:1' }))
      .json as GenerationBody;
    await waitUntilDone(url, created.id);

    await new Promise((resolve) => setTimeout(resolve, 600));

    expect((await fetch(`${url}/v1/generations/${created.id}`)).status).toBe(404);
    expect((await fetch(`${url}/v1/generations/${created.id}/video`)).status).toBe(404);
    const [serverDir] = await readdir(ownDir);
    expect(serverDir).toBeDefined();
    expect(await readdir(join(ownDir, serverDir ?? ''))).toEqual([]);
  });
});
