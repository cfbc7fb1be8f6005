import { describe, expect, it } from 'vitest';
import { LUMA_FAKE_KEY, startLumaFake } from '../../tests/fakes/providers/luma.ts';
import { runProviderContract } from '../../tests/providers/contract.ts';
import { createLumaProvider } from './luma.ts';

const IMAGE_URL = 'https://media.example.com/inputs/hill.png?sig=2';
const LAST_URL = 'https://media.example.com/inputs/hill-at-night.png?sig=3';
const base = {
  taskId: 't',
  idempotencyKey: 't',
  prompt: 'night falls over the hill',
  image: { contentType: 'image/png' as const, url: IMAGE_URL },
  durationSeconds: 5,
  ratio: '16:9' as const,
};

runProviderContract({
  name: 'luma',
  start: startLumaFake,
  client: (fake, options = {}) =>
    createLumaProvider({ baseUrl: fake.url, apiKey: LUMA_FAKE_KEY, ...options }),
  capabilities: {
    imageToVideo: true,
    textToVideo: true,
    durations: [5, 9],
    ratios: ['16:9', '9:16', '1:1'],
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png'],
    lastFrame: true,
  },
  request: {
    taskId: 'task-luma',
    idempotencyKey: 'task-luma',
    prompt: 'clouds drift over the hill',
    image: { contentType: 'image/png', url: IMAGE_URL },
    durationSeconds: 5,
    ratio: '1:1',
  },
  checkSubmit(request) {
    expect(request.path).toBe('/dream-machine/v1/generations');
    expect(request.headers.authorization).toBe(`Bearer ${LUMA_FAKE_KEY}`);
    expect(request.json).toEqual({
      prompt: 'clouds drift over the hill',
      model: 'ray-2',
      aspect_ratio: '1:1',
      duration: '5s',
      resolution: '720p',
      keyframes: { frame0: { type: 'image', url: IMAGE_URL } },
    });
  },
  // queued, dreaming, dreaming
  runningStates: 3,
  failures: [
    {
      name: 'a moderation failure_reason to a final safety rejection',
      at: 'poll',
      script: {
        default: {
          outcome: {
            status: 'failed',
            message: '400: prompt not allowed because advanced moderation failed',
          },
        },
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'another failure_reason to a retryable render failure',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', message: 'Job failed' } } },
      expect: { code: 'render_failed', retryable: true },
    },
    {
      name: 'a 400 with a detail to a final rejection',
      at: 'submit',
      script: { submits: [{ status: 400, body: { detail: 'Invalid aspect ratio' } }] },
      expect: { code: 'provider_rejected', retryable: false },
    },
    {
      name: 'a 402 (no credits) to out of credit',
      at: 'submit',
      script: { submits: [{ status: 402, body: { detail: 'Insufficient credits' } }] },
      expect: { code: 'provider_out_of_credit', retryable: true },
    },
  ],
  secrets: [LUMA_FAKE_KEY],
  callbacks: {},
});

describe('luma last frame', () => {
  it('sends the last frame as keyframes.frame1 beside frame0, for each model', async () => {
    const fake = await startLumaFake();
    try {
      const provider = createLumaProvider({ baseUrl: fake.url, apiKey: LUMA_FAKE_KEY });
      const lastFrame = { contentType: 'image/jpeg' as const, url: LAST_URL };

      for (const model of ['ray-2', 'ray-flash-2']) {
        const result = await provider.submit({ ...base, model, lastFrame });

        expect(result.ok).toBe(true);
        expect(fake.base.requests.at(-1)?.json).toMatchObject({
          model,
          keyframes: {
            frame0: { type: 'image', url: IMAGE_URL },
            frame1: { type: 'image', url: LAST_URL },
          },
        });
      }
    } finally {
      await fake.close();
    }
  });

  it('holds the last frame to the same image limits as the first, before any request', async () => {
    const fake = await startLumaFake();
    try {
      const provider = createLumaProvider({ baseUrl: fake.url, apiKey: LUMA_FAKE_KEY });

      const result = await provider.submit({
        ...base,
        lastFrame: { contentType: 'image/webp', url: LAST_URL },
      });

      expect(result).toMatchObject({ ok: false, code: 'unsupported_image', retryable: false });
      expect(fake.base.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });

  it('treats a last frame without a first image as a bug in the caller', async () => {
    const provider = createLumaProvider({
      baseUrl: 'https://api.lumalabs.example',
      apiKey: LUMA_FAKE_KEY,
      fetch: () => Promise.reject(new Error('no request expected')),
    });
    const { image: _first, ...textOnly } = base;

    await expect(
      provider.submit({ ...textOnly, lastFrame: { contentType: 'image/png', url: LAST_URL } }),
    ).rejects.toThrow(TypeError);
  });
});
