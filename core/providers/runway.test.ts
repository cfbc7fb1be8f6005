import { describe, expect, it } from 'vitest';
import { RUNWAY_FAKE_KEY, startRunwayFake } from '../../tests/fakes/providers/runway.ts';
import { runProviderContract } from '../../tests/providers/contract.ts';
import { createRunwayProvider } from './runway.ts';

const IMAGE_URL = 'https://media.example.com/inputs/cat.png?X-Amz-Signature=abc';
const LAST_URL = 'https://media.example.com/inputs/cat-asleep.png?X-Amz-Signature=def';

runProviderContract({
  name: 'runway',
  start: startRunwayFake,
  client: (fake, options = {}) =>
    createRunwayProvider({ baseUrl: fake.url, apiKey: RUNWAY_FAKE_KEY, ...options }),
  capabilities: {
    imageToVideo: true,
    textToVideo: true,
    durations: [2, 3, 4, 5, 6, 7, 8, 9, 10],
    ratios: ['16:9', '9:16', '1:1'],
    imageInput: 'url',
    maxImageBytes: 16 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
    lastFrame: true,
  },
  request: {
    taskId: 'task-runway',
    idempotencyKey: 'task-runway',
    prompt: 'the cat looks up',
    image: { contentType: 'image/png', url: IMAGE_URL },
    durationSeconds: 5,
    ratio: '16:9',
  },
  checkSubmit(request) {
    expect(request.path).toBe('/v1/image_to_video');
    expect(request.headers['x-runway-version']).toBe('2024-11-06');
    expect(request.headers.authorization).toBe(`Bearer ${RUNWAY_FAKE_KEY}`);
    expect(request.json).toEqual({
      model: 'gen4_turbo',
      promptImage: IMAGE_URL,
      promptText: 'the cat looks up',
      ratio: '1280:720',
      duration: 5,
    });
  },
  // PENDING, THROTTLED, RUNNING, RUNNING
  runningStates: 4,
  failures: [
    {
      name: 'a SAFETY.INPUT.* failure to a final safety rejection',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', code: 'SAFETY.INPUT.TEXT' } } },
      expect: {
        code: 'safety_rejected',
        retryable: false,
        message: expect.stringMatching(/safety/),
      },
    },
    {
      name: 'a SAFETY.OUTPUT.* failure to a final safety rejection',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', code: 'SAFETY.OUTPUT.VIDEO' } } },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'INTERNAL.BAD_OUTPUT.* to a retryable render failure',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', code: 'INTERNAL.BAD_OUTPUT.CODE01' } } },
      expect: { code: 'render_failed', retryable: true },
    },
    {
      name: 'ASSET.INVALID to a final rejection of the image',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', code: 'ASSET.INVALID' } } },
      expect: { code: 'provider_rejected', retryable: false },
    },
    {
      name: 'a 400 to a final rejection with Runway’s reason',
      at: 'submit',
      script: { submits: [{ status: 400, body: { error: 'Prompt text too long.' } }] },
      expect: {
        code: 'provider_rejected',
        retryable: false,
        message: 'The video provider rejected the request: Prompt text too long.',
      },
    },
    {
      name: 'a 504 to a retryable outage',
      at: 'submit',
      script: { submits: [{ status: 504 }] },
      expect: { code: 'provider_unavailable', retryable: true },
    },
  ],
  secrets: [RUNWAY_FAKE_KEY],
  callbacks: { none: 'Runway has no callbacks; tasks are polled' },
});

it('sends text alone to text_to_video with a text-capable model', async () => {
  const fake = await startRunwayFake();
  try {
    const provider = createRunwayProvider({ baseUrl: fake.url, apiKey: RUNWAY_FAKE_KEY });
    const result = await provider.submit({
      taskId: 't',
      idempotencyKey: 't',
      prompt: 'a calm sea',
      durationSeconds: 4,
      ratio: '9:16',
      model: 'gen4.5',
    });

    expect(result.ok).toBe(true);
    expect(fake.base.requests.at(-1)).toMatchObject({
      path: '/v1/text_to_video',
      json: { model: 'gen4.5', promptText: 'a calm sea', ratio: '720:1280', duration: 4 },
    });
  } finally {
    await fake.close();
  }
});

it('cancels with DELETE /v1/tasks/:id', async () => {
  const fake = await startRunwayFake();
  try {
    const provider = createRunwayProvider({ baseUrl: fake.url, apiKey: RUNWAY_FAKE_KEY });
    const submitted = await provider.submit({
      taskId: 't',
      idempotencyKey: 't',
      prompt: 'p',
      image: { contentType: 'image/jpeg', url: 'https://media.example.com/a.jpg' },
      durationSeconds: 5,
      ratio: '1:1',
    });
    if (!submitted.ok) throw new Error('submit failed');

    await provider.cancel?.(submitted.jobId);

    expect(fake.base.stats.cancels).toBe(1);
    expect(await provider.poll(submitted.jobId)).toMatchObject({ code: 'provider_canceled' });
  } finally {
    await fake.close();
  }
});

describe('runway last frame', () => {
  const request = {
    taskId: 't',
    idempotencyKey: 't',
    prompt: 'the cat falls asleep',
    image: { contentType: 'image/png' as const, url: IMAGE_URL },
    lastFrame: { contentType: 'image/webp' as const, url: LAST_URL },
    durationSeconds: 10,
    ratio: '9:16' as const,
  };

  it('sends promptImage as first and last positions to gen3a_turbo', async () => {
    const fake = await startRunwayFake();
    try {
      const provider = createRunwayProvider({ baseUrl: fake.url, apiKey: RUNWAY_FAKE_KEY });

      const result = await provider.submit({ ...request, model: 'gen3a_turbo' });

      expect(result.ok).toBe(true);
      expect(fake.base.requests.at(-1)).toMatchObject({
        path: '/v1/image_to_video',
        json: {
          model: 'gen3a_turbo',
          promptImage: [
            { uri: IMAGE_URL, position: 'first' },
            { uri: LAST_URL, position: 'last' },
          ],
          ratio: '768:1280',
          duration: 10,
        },
      });
    } finally {
      await fake.close();
    }
  });

  it.each(['gen4_turbo', 'gen4.5'])(
    'refuses a last frame for %s without calling Runway',
    async (model) => {
      const fake = await startRunwayFake();
      try {
        const provider = createRunwayProvider({ baseUrl: fake.url, apiKey: RUNWAY_FAKE_KEY });

        const result = await provider.submit({ ...request, model });

        expect(result).toEqual({
          ok: false,
          code: 'unsupported_request',
          message: `Runway ${model} takes no last frame.`,
          retryable: false,
        });
        expect(fake.base.requests).toHaveLength(0);
      } finally {
        await fake.close();
      }
    },
  );
});
