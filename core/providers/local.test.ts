import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveDefaultFontPath } from '../../local-provider/render.ts';
import { createLocalProviderServer } from '../../local-provider/server.ts';
import { startFakeProvider, type FakeProvider } from '../../tests/fakes/fake-provider.ts';
import {
  ffmpegPath,
  frameColor,
  makeImage,
  makeSolidImage,
  probeVideo,
} from '../../tests/helpers/media.ts';
import {
  createLocalProvider,
  DownloadStalledError,
  parseRetryAfter,
  type LocalProviderOptions,
} from './local.ts';
import type {
  PollResult,
  Provider,
  ProviderFailure,
  SubmitRequest,
  VideoResult,
} from './provider.ts';

const textRequest: SubmitRequest = {
  taskId: 'task-1',
  idempotencyKey: 'task-1',
  prompt: 'a calm sea',
  durationSeconds: 1,
  ratio: '1:1',
};

function expectFailure(result: unknown, expected: Partial<ProviderFailure>): ProviderFailure {
  expect(result).toMatchObject({ ok: false, ...expected });
  return result as ProviderFailure;
}

async function pollUntilSettled(provider: Provider, jobId: string): Promise<PollResult[]> {
  const seen: PollResult[] = [];
  for (let i = 0; i < 600; i += 1) {
    const result = await provider.poll(jobId);
    seen.push(result);
    if (!result.ok || result.state !== 'running') return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the job never settled');
}

async function downloadBytes(provider: Provider, video: VideoResult): Promise<Uint8Array> {
  const response = await provider.download?.(video);
  if (!(response instanceof Response))
    throw new Error(`download failed: ${JSON.stringify(response)}`);
  return new Uint8Array(await response.arrayBuffer());
}

describe('against the real local provider', () => {
  let workDir: string;
  let close: () => Promise<void>;
  let provider: Provider;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'reelbot-local-client-test-'));
    const server = createLocalProviderServer({
      ffmpegPath,
      fontPath: resolveDefaultFontPath(),
      workDir,
    });
    const { url } = await server.listen(0, '127.0.0.1');
    close = () => server.close();
    provider = createLocalProvider({ baseUrl: url, pollAfterMs: 50 });
  });

  afterAll(async () => {
    await close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('declares what the local provider takes', () => {
    expect(provider.name).toBe('local');
    expect(provider.capabilities).toMatchObject({
      imageToVideo: true,
      textToVideo: true,
      durations: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      ratios: ['16:9', '9:16', '1:1'],
      imageInput: 'data_uri',
      maxImageBytes: 10 * 1024 * 1024,
      lastFrame: true,
    });
  });

  it('sends the last frame, and the video ends on it', async () => {
    const submitted = await provider.submit({
      taskId: 'task-last-frame',
      idempotencyKey: 'task-last-frame',
      prompt: 'from green to blue',
      image: { contentType: 'image/png', bytes: await makeSolidImage('png', 'lime') },
      lastFrame: { contentType: 'image/webp', bytes: await makeSolidImage('webp', 'blue') },
      durationSeconds: 1,
      ratio: '1:1',
    });
    if (!submitted.ok) throw new Error(`submit failed: ${submitted.message}`);
    const last = (await pollUntilSettled(provider, submitted.jobId)).at(-1);
    if (!last?.ok || last.state !== 'succeeded') throw new Error('not succeeded');

    const video = await downloadBytes(provider, last.video);
    const [, g0, b0] = await frameColor(video, 0);
    const [, g1, b1] = await frameColor(video, 0.95);
    expect(g0).toBeGreaterThan(200);
    expect(b0).toBeLessThan(60);
    expect(b1).toBeGreaterThan(200);
    expect(g1).toBeLessThan(60);
  });

  it('submits an image, polls it to success with progress and downloads the MP4', async () => {
    const bytes = await makeImage('jpeg', 320, 240);
    const submitted = await provider.submit({
      taskId: 'task-image',
      idempotencyKey: 'task-image',
      prompt: 'pan across the scene',
      image: { contentType: 'image/jpeg', bytes },
      durationSeconds: 2,
      ratio: '16:9',
    });
    if (!submitted.ok) throw new Error(`submit failed: ${submitted.message}`);
    expect(submitted.pollAfterMs).toBe(50);

    const seen = await pollUntilSettled(provider, submitted.jobId);
    const last = seen.at(-1);
    if (!last?.ok || last.state !== 'succeeded')
      throw new Error(`not succeeded: ${JSON.stringify(last)}`);
    expect(seen.length).toBeGreaterThan(1);
    for (const result of seen.slice(0, -1)) {
      expect(result).toMatchObject({ ok: true, state: 'running', pollAfterMs: 50 });
      if (result.ok && result.state === 'running') {
        expect(result.progress).toBeGreaterThanOrEqual(0);
        expect(result.progress).toBeLessThanOrEqual(100);
      }
    }

    const probe = await probeVideo(await downloadBytes(provider, last.video));
    expect(probe).toMatchObject({ codec: 'h264', width: 854, height: 480 });
    expect(Math.abs(probe.durationSeconds - 2)).toBeLessThanOrEqual(0.5);
  });

  it('renders text alone and answers a resubmitted task with the same job', async () => {
    const first = await provider.submit({
      ...textRequest,
      taskId: 'task-text',
      idempotencyKey: 'task-text',
    });
    const again = await provider.submit({
      ...textRequest,
      taskId: 'task-text',
      idempotencyKey: 'task-text',
    });
    if (!first.ok || !again.ok) throw new Error('submit failed');
    expect(again.jobId).toBe(first.jobId);

    const last = (await pollUntilSettled(provider, first.jobId)).at(-1);
    if (!last?.ok || last.state !== 'succeeded') throw new Error('not succeeded');
    const probe = await probeVideo(await downloadBytes(provider, last.video));
    expect(probe).toMatchObject({ codec: 'h264', width: 640, height: 640 });
  });

  it('maps a rejected input to a final provider_rejected', async () => {
    const result = await provider.submit({ ...textRequest, durationSeconds: 11 });

    expectFailure(result, { code: 'provider_rejected', retryable: false });
  });
});

describe('against the fake provider', () => {
  let fake: FakeProvider;
  const client = (options: Partial<LocalProviderOptions> = {}) =>
    createLocalProvider({ baseUrl: fake.url, ...options });

  beforeAll(async () => {
    fake = await startFakeProvider();
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
  });

  it('reports the scripted progress, then the video', async () => {
    fake.script({ default: { runningPolls: 2, progress: [30, 70] } });
    const provider = client();

    const submitted = await provider.submit(textRequest);
    if (!submitted.ok) throw new Error('submit failed');
    const polls = [await provider.poll(submitted.jobId), await provider.poll(submitted.jobId)];
    const done = await provider.poll(submitted.jobId);

    expect(polls).toEqual([
      { ok: true, state: 'running', progress: 30, pollAfterMs: 1000 },
      { ok: true, state: 'running', progress: 70, pollAfterMs: 1000 },
    ]);
    if (!done.ok || done.state !== 'succeeded') throw new Error('not succeeded');
    expect((await probeVideo(await downloadBytes(provider, done.video))).codec).toBe('h264');
    expect(fake.stats()).toMatchObject({ submissions: 1, jobs: 1, polls: 3, downloads: 1 });
  });

  it('maps a 500 to a retryable provider_unavailable', async () => {
    fake.script({ submits: [{ status: 500 }] });

    const result = await client().submit(textRequest);

    expectFailure(result, { code: 'provider_unavailable', retryable: true });
    expect(fake.stats()).toMatchObject({ submissions: 1, jobs: 0 });
  });

  it('maps a 503 while polling to a retryable provider_unavailable', async () => {
    const provider = client();
    const submitted = await provider.submit(textRequest);
    if (!submitted.ok) throw new Error('submit failed');
    fake.script({ polls: [{ status: 503 }] });

    expectFailure(await provider.poll(submitted.jobId), {
      code: 'provider_unavailable',
      retryable: true,
    });
  });

  it('maps a 429 to rate_limited and honours Retry-After in seconds', async () => {
    fake.script({ submits: [{ status: 429, retryAfter: 2 }] });

    const result = await client().submit(textRequest);

    expectFailure(result, { code: 'rate_limited', retryable: true, retryAfterMs: 2000 });
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    fake.script({ submits: [{ status: 429, retryAfter: at }] });

    const failure = expectFailure(await client().submit(textRequest), { code: 'rate_limited' });

    expect(failure.retryAfterMs).toBeGreaterThan(55_000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('times out a slow submit, and the resubmit reuses the job the provider made', async () => {
    fake.script({ submits: [{ delayMs: 2000 }] });
    const provider = client({ timeoutMs: 200 });

    const slow = await provider.submit(textRequest);
    const retried = await provider.submit(textRequest);

    expectFailure(slow, { code: 'provider_timeout', retryable: true });
    expect(retried.ok).toBe(true);
    expect(fake.stats()).toMatchObject({
      submissions: 2,
      submissionsByTask: { 'task-1': 2 },
      jobsByTask: { 'task-1': 1 },
    });
  });

  it('maps a body that is not JSON to a retryable provider_bad_response', async () => {
    fake.script({ submits: [{ malformed: true }] });

    const result = await client().submit(textRequest);

    expectFailure(result, { code: 'provider_bad_response', retryable: true });
  });

  it('maps JSON of the wrong shape to provider_bad_response', async () => {
    const wrongShape: typeof fetch = async () =>
      Response.json({ id: 42, status: 'done' }, { status: 201 });

    const result = await client({ fetch: wrongShape }).submit(textRequest);

    expectFailure(result, { code: 'provider_bad_response', retryable: true });
  });

  it('maps a safety rejection to a final failure a person understands', async () => {
    fake.script({ prompts: { forbidden: { submit: { status: 400, code: 'safety_rejected' } } } });

    const result = await client().submit({ ...textRequest, prompt: 'forbidden' });

    expectFailure(result, {
      code: 'safety_rejected',
      retryable: false,
      message: 'The provider declined this prompt or image for safety reasons.',
    });
  });

  it('maps another 4xx to a final provider_rejected without leaking URLs', async () => {
    const message = 'see https://internal.example/debug?api_key=sk-secret for details';
    fake.script({ submits: [{ status: 422, code: 'invalid_model', message }] });

    const failure = expectFailure(await client().submit(textRequest), {
      code: 'provider_rejected',
      retryable: false,
    });

    expect(failure.message).toContain('for details');
    expect(failure.message).not.toMatch(/https?:|sk-secret/);
  });

  it('maps a failed render to render_failed, retryable unless the provider says not', async () => {
    const provider = client();
    fake.script({
      prompts: {
        transient: { runningPolls: 0, outcome: { status: 'failed', code: 'render_failed' } },
        hopeless: {
          runningPolls: 0,
          outcome: { status: 'failed', code: 'render_failed', retryable: false },
        },
        unsafe: { runningPolls: 0, outcome: { status: 'failed', code: 'safety_rejected' } },
      },
    });
    const outcome = async (prompt: string) => {
      const submitted = await provider.submit({
        ...textRequest,
        taskId: prompt,
        idempotencyKey: prompt,
        prompt,
      });
      if (!submitted.ok) throw new Error('submit failed');
      return provider.poll(submitted.jobId);
    };

    expectFailure(await outcome('transient'), { code: 'render_failed', retryable: true });
    expectFailure(await outcome('hopeless'), { code: 'render_failed', retryable: false });
    expectFailure(await outcome('unsafe'), { code: 'safety_rejected', retryable: false });
  });

  it('maps a job the provider lost to provider_job_lost with resubmit', async () => {
    const provider = client();
    const first = await provider.submit(textRequest);
    if (!first.ok) throw new Error('submit failed');
    fake.script({ polls: [{ lose: true }] });

    const lost = await provider.poll(first.jobId);
    const resubmitted = await provider.submit(textRequest);

    expectFailure(lost, { code: 'provider_job_lost', retryable: true, resubmit: true });
    expect(resubmitted.ok && resubmitted.jobId).not.toBe(first.jobId);
    expect(fake.stats().jobsByTask).toEqual({ 'task-1': 2 });
  });

  it.each([403, 410])(
    'maps an expired result URL (%i) to result_expired with resubmit',
    async (status) => {
      const provider = client();
      const submitted = await provider.submit(textRequest);
      if (!submitted.ok) throw new Error('submit failed');
      const done = (await pollUntilSettled(provider, submitted.jobId)).at(-1);
      if (!done?.ok || done.state !== 'succeeded') throw new Error('not succeeded');
      fake.script({ downloads: [{ status }] });

      const result = await provider.download?.(done.video);

      expectFailure(result, { code: 'result_expired', retryable: true, resubmit: true });
    },
  );

  it('times out a download whose headers never come', async () => {
    const provider = client({ timeoutMs: 200 });
    const submitted = await provider.submit(textRequest);
    if (!submitted.ok) throw new Error('submit failed');
    const done = (await pollUntilSettled(provider, submitted.jobId)).at(-1);
    if (!done?.ok || done.state !== 'succeeded') throw new Error('not succeeded');
    fake.script({ downloads: [{ delayMs: 2000 }] });

    expectFailure(await provider.download?.(done.video), { code: 'provider_timeout' });
  });

  it('errors the video stream when the provider stalls mid-download', async () => {
    const stalling: typeof fetch = async () =>
      new Response(new ReadableStream({ start: (sink) => sink.enqueue(new Uint8Array([0])) }));
    const provider = client({ fetch: stalling, timeoutMs: 200 });

    const response = await provider.download?.({ url: `${fake.url}/v1/generations/x/video` });
    if (!(response instanceof Response)) throw new Error('expected a response');

    await expect(response.arrayBuffer()).rejects.toBeInstanceOf(DownloadStalledError);
  });

  it('maps a refused connection to a retryable provider_unreachable', async () => {
    const closed = await startFakeProvider();
    await closed.close();

    const result = await createLocalProvider({ baseUrl: closed.url }).submit(textRequest);

    expectFailure(result, { code: 'provider_unreachable', retryable: true });
    expect((result as ProviderFailure).message).not.toContain(closed.url);
  });

  it('can be scripted and read over HTTP, as workerd tests do', async () => {
    const scripted = await fetch(`${fake.url}/__control/script`, {
      method: 'POST',
      body: JSON.stringify({ submits: [{ status: 502 }] }),
    });
    const refused = await fetch(`${fake.url}/__control/script`, {
      method: 'POST',
      body: JSON.stringify({ submits: [{ stauts: 502 }] }),
    });

    const result = await client().submit(textRequest);
    const stats = await (await fetch(`${fake.url}/__control/stats`)).json();
    await fetch(`${fake.url}/__control/reset`, { method: 'POST' });

    expect(scripted.status).toBe(200);
    expect(refused.status).toBe(400);
    expectFailure(result, { code: 'provider_unavailable' });
    expect(stats).toMatchObject({ submissions: 1, submissionsByTask: { 'task-1': 1 }, jobs: 0 });
    expect(fake.stats().submissions).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');

    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
