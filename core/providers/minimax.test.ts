import { describe, expect, it } from 'vitest';
import { MINIMAX_FAKE_KEY, startMinimaxFake } from '../../tests/fakes/providers/minimax.ts';
import { startCallbackReceiver } from '../../tests/providers/callback-receiver.ts';
import { runProviderContract } from '../../tests/providers/contract.ts';
import { createMinimaxProvider } from './minimax.ts';

const IMAGE_URL = 'https://media.example.com/inputs/tree.png?sig=5';
const LAST_URL = 'https://media.example.com/inputs/bare-tree.png?sig=6';
const baseResp = (code: number, message = 'x') => ({
  status: 200,
  body: { task_id: '', base_resp: { status_code: code, status_msg: message } },
});

runProviderContract({
  name: 'minimax',
  start: startMinimaxFake,
  client: (fake, options = {}) =>
    createMinimaxProvider({ baseUrl: fake.url, apiKey: MINIMAX_FAKE_KEY, ...options }),
  capabilities: {
    imageToVideo: true,
    textToVideo: true,
    durations: [6, 10],
    ratios: ['16:9'],
    imageInput: 'url',
    maxImageBytes: 20 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
    lastFrame: true,
  },
  request: {
    taskId: 'task-minimax',
    idempotencyKey: 'task-minimax',
    prompt: 'leaves fall',
    image: { contentType: 'image/png', url: IMAGE_URL },
    durationSeconds: 6,
    ratio: '16:9',
  },
  checkSubmit(request) {
    expect(request.path).toBe('/v1/video_generation');
    expect(request.headers.authorization).toBe(`Bearer ${MINIMAX_FAKE_KEY}`);
    expect(request.json).toEqual({
      model: 'MiniMax-Hailuo-02',
      prompt: 'leaves fall',
      duration: 6,
      resolution: '768P',
      first_frame_image: IMAGE_URL,
    });
  },
  // Preparing, Queueing, Processing
  runningStates: 3,
  failures: [
    {
      name: 'status_code 1026 (sensitive input) to a final safety rejection',
      at: 'submit',
      script: { submits: [baseResp(1026, 'input new_sensitive')] },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'status_code 1008 (insufficient balance) to out of credit',
      at: 'submit',
      script: { submits: [baseResp(1008, 'insufficient balance')] },
      expect: { code: 'provider_out_of_credit', retryable: true },
    },
    {
      name: 'status_code 1002 (rate limit) to rate_limited',
      at: 'submit',
      script: { submits: [baseResp(1002, 'rate limit')] },
      expect: { code: 'rate_limited', retryable: true },
    },
    {
      name: 'status_code 2013 (invalid parameters) to a final rejection',
      at: 'submit',
      script: { submits: [baseResp(2013, 'invalid params, duration')] },
      expect: { code: 'provider_rejected', retryable: false },
    },
    {
      name: 'a task failed with 1027 (sensitive output) to a final safety rejection',
      at: 'poll',
      script: {
        default: { outcome: { status: 'failed', code: 1027, message: 'output sensitive' } },
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'a task that failed otherwise to a retryable render failure',
      at: 'poll',
      script: { default: { outcome: { status: 'failed' } } },
      expect: { code: 'render_failed', retryable: true },
    },
  ],
  secrets: [MINIMAX_FAKE_KEY],
  noJobLoss: 'MiniMax answers an unknown task id with a base_resp error code, not a 404',
  callbacks: {},
});

it('echoes the challenge MiniMax sends to a new callback URL', async () => {
  const fake = await startMinimaxFake();
  const receiver = await startCallbackReceiver();
  try {
    const provider = createMinimaxProvider({ baseUrl: fake.url, apiKey: MINIMAX_FAKE_KEY });
    const callbackUrl = await receiver.callbackUrl('minimax', crypto.randomUUID());

    const submitted = await provider.submit({
      taskId: 't',
      idempotencyKey: 't',
      prompt: 'text only',
      durationSeconds: 6,
      ratio: '16:9',
      callbackUrl,
    });

    expect(submitted.ok).toBe(true);
    expect(fake.lastJob()?.extra.challenge).toBe('echoed');
    expect(receiver.wakes).toEqual([]);
  } finally {
    await receiver.close();
    await fake.close();
  }
});

describe('minimax last frame', () => {
  const request = {
    taskId: 't',
    idempotencyKey: 't',
    prompt: 'the tree loses its leaves',
    image: { contentType: 'image/png' as const, url: IMAGE_URL },
    lastFrame: { contentType: 'image/jpeg' as const, url: LAST_URL },
    durationSeconds: 10,
    ratio: '16:9' as const,
  };

  it('sends last_frame_image with first_frame_image to MiniMax-Hailuo-02', async () => {
    const fake = await startMinimaxFake();
    try {
      const provider = createMinimaxProvider({ baseUrl: fake.url, apiKey: MINIMAX_FAKE_KEY });

      const result = await provider.submit({ ...request, model: 'MiniMax-Hailuo-02' });

      expect(result.ok).toBe(true);
      expect(fake.base.requests.at(-1)?.json).toEqual({
        model: 'MiniMax-Hailuo-02',
        prompt: 'the tree loses its leaves',
        duration: 10,
        resolution: '768P',
        first_frame_image: IMAGE_URL,
        last_frame_image: LAST_URL,
      });
    } finally {
      await fake.close();
    }
  });

  it('refuses a last frame for I2V-01 without calling MiniMax', async () => {
    const fake = await startMinimaxFake();
    try {
      const provider = createMinimaxProvider({ baseUrl: fake.url, apiKey: MINIMAX_FAKE_KEY });

      const result = await provider.submit({ ...request, durationSeconds: 6, model: 'I2V-01' });

      expect(result).toEqual({
        ok: false,
        code: 'unsupported_request',
        message: 'MiniMax I2V-01 takes no last frame.',
        retryable: false,
      });
      expect(fake.base.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
