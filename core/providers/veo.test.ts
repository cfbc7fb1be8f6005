import { describe, expect, it } from 'vitest';
import { GEMINI_FAKE_KEY, startVeoFake } from '../../tests/fakes/providers/veo.ts';
import { runProviderContract } from '../../tests/providers/contract.ts';
import { createVeoProvider } from './veo.ts';

const IMAGE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const LAST = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 4, 5, 6, 7]);

runProviderContract({
  name: 'veo',
  start: startVeoFake,
  client: (fake, options = {}) =>
    createVeoProvider({ baseUrl: fake.url, apiKey: GEMINI_FAKE_KEY, ...options }),
  capabilities: {
    imageToVideo: true,
    textToVideo: true,
    durations: [4, 5, 6, 7, 8],
    ratios: ['16:9', '9:16'],
    imageInput: 'base64',
    maxImageBytes: 14 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
    lastFrame: true,
  },
  request: {
    taskId: 'task-veo',
    idempotencyKey: 'task-veo',
    prompt: 'waves at dusk',
    image: { contentType: 'image/jpeg', bytes: IMAGE },
    durationSeconds: 8,
    ratio: '16:9',
  },
  checkSubmit(request) {
    expect(request.path).toBe('/v1beta/models/veo-3.0-fast-generate-001:predictLongRunning');
    expect(request.headers['x-goog-api-key']).toBe(GEMINI_FAKE_KEY);
    expect(request.json).toEqual({
      instances: [
        {
          prompt: 'waves at dusk',
          image: {
            bytesBase64Encoded: Buffer.from(IMAGE).toString('base64'),
            mimeType: 'image/jpeg',
          },
        },
      ],
      parameters: { aspectRatio: '16:9', durationSeconds: 8 },
    });
  },
  // done: false, done: false
  runningStates: 2,
  failures: [
    {
      name: 'a video removed by the responsible-AI filter to a final safety rejection',
      at: 'poll',
      script: {
        default: { outcome: { status: 'failed', code: 'RAI_FILTERED', message: 'celebrity' } },
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'a failed operation (INTERNAL) to a retryable outage',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', code: 'INTERNAL', message: 'oops' } } },
      expect: { code: 'provider_unavailable', retryable: true },
    },
    {
      name: 'an INVALID_ARGUMENT at submission to a final rejection',
      at: 'submit',
      script: {
        submits: [
          {
            status: 400,
            body: {
              error: {
                code: 400,
                message: 'durationSeconds out of range',
                status: 'INVALID_ARGUMENT',
              },
            },
          },
        ],
      },
      expect: { code: 'provider_rejected', retryable: false },
    },
    {
      name: 'a prompt blocked for safety at submission to a safety rejection',
      at: 'submit',
      script: {
        submits: [
          {
            status: 400,
            body: {
              error: {
                code: 400,
                message: 'The prompt was blocked by safety filters',
                status: 'INVALID_ARGUMENT',
              },
            },
          },
        ],
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'RESOURCE_EXHAUSTED (quota) to rate_limited',
      at: 'submit',
      script: { submits: [{ status: 429 }] },
      expect: { code: 'rate_limited', retryable: true },
    },
  ],
  secrets: [GEMINI_FAKE_KEY],
  callbacks: { none: 'the Gemini API has no callbacks; operations are polled' },
});

it('downloads with the API key, and never sends the key past a redirect', async () => {
  const fake = await startVeoFake();
  try {
    const provider = createVeoProvider({ baseUrl: fake.url, apiKey: GEMINI_FAKE_KEY });
    fake.script({ default: { runningPolls: 0 } });
    const submitted = await provider.submit({
      taskId: 't',
      idempotencyKey: 't',
      prompt: 'text only',
      durationSeconds: 8,
      ratio: '9:16',
    });
    if (!submitted.ok) throw new Error('submit failed');
    const done = await provider.poll(submitted.jobId);
    if (!done.ok || done.state !== 'succeeded') throw new Error('not done');

    const response = await provider.download?.(done.video);

    expect(response).toBeInstanceOf(Response);
    const [download, file] = fake.base.requests.slice(-2);
    expect(download?.path).toMatch(/:download$/);
    expect(download?.headers['x-goog-api-key']).toBe(GEMINI_FAKE_KEY);
    expect(file?.path).toMatch(/^\/files\//);
    expect(file?.headers['x-goog-api-key']).toBeUndefined();
  } finally {
    await fake.close();
  }
});

it('refuses a result URI outside the API rather than send it the key', async () => {
  const foreign: typeof fetch = async () =>
    Response.json({
      name: 'models/m/operations/o',
      done: true,
      response: {
        generateVideoResponse: { generatedSamples: [{ video: { uri: 'https://evil.example/v' } }] },
      },
    });
  const provider = createVeoProvider({
    baseUrl: 'https://generativelanguage.googleapis.com',
    apiKey: GEMINI_FAKE_KEY,
    fetch: foreign,
  });

  expect(await provider.poll('models/m/operations/o')).toMatchObject({
    ok: false,
    code: 'provider_bad_response',
  });
});

describe('veo last frame', () => {
  const request = {
    taskId: 't',
    idempotencyKey: 't',
    prompt: 'the tide goes out',
    image: { contentType: 'image/jpeg' as const, bytes: IMAGE },
    lastFrame: { contentType: 'image/png' as const, bytes: LAST },
    durationSeconds: 6,
    ratio: '9:16' as const,
  };

  it.each(['veo-3.1-generate-preview', 'veo-3.1-fast-generate-preview'])(
    'sends instances[0].lastFrame beside the image to %s',
    async (model) => {
      const fake = await startVeoFake();
      try {
        const provider = createVeoProvider({ baseUrl: fake.url, apiKey: GEMINI_FAKE_KEY });

        const result = await provider.submit({ ...request, model });

        expect(result.ok).toBe(true);
        expect(fake.base.requests.at(-1)).toMatchObject({
          path: `/v1beta/models/${model}:predictLongRunning`,
          json: {
            instances: [
              {
                prompt: 'the tide goes out',
                image: {
                  bytesBase64Encoded: Buffer.from(IMAGE).toString('base64'),
                  mimeType: 'image/jpeg',
                },
                lastFrame: {
                  bytesBase64Encoded: Buffer.from(LAST).toString('base64'),
                  mimeType: 'image/png',
                },
              },
            ],
            parameters: { aspectRatio: '9:16', durationSeconds: 6 },
          },
        });
      } finally {
        await fake.close();
      }
    },
  );

  it.each(['veo-3.0-fast-generate-001', 'veo-3.0-generate-001', 'veo-2.0-generate-001'])(
    'refuses a last frame for %s without calling the API',
    async (model) => {
      const fake = await startVeoFake();
      try {
        const provider = createVeoProvider({ baseUrl: fake.url, apiKey: GEMINI_FAKE_KEY });

        const result = await provider.submit({ ...request, durationSeconds: 8, model });

        expect(result).toEqual({
          ok: false,
          code: 'unsupported_request',
          message: `Veo ${model} takes no last frame.`,
          retryable: false,
        });
        expect(fake.base.requests).toHaveLength(0);
      } finally {
        await fake.close();
      }
    },
  );

  it('refuses two frames that together break the request cap, before any request', async () => {
    const fake = await startVeoFake();
    try {
      const provider = createVeoProvider({ baseUrl: fake.url, apiKey: GEMINI_FAKE_KEY });
      const eightMegabytes = new Uint8Array(8 * 1024 * 1024);

      const result = await provider.submit({
        ...request,
        model: 'veo-3.1-generate-preview',
        image: { contentType: 'image/jpeg', bytes: eightMegabytes },
        lastFrame: { contentType: 'image/png', bytes: eightMegabytes },
      });

      expect(result).toMatchObject({ ok: false, code: 'unsupported_image', retryable: false });
      expect(fake.base.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
