import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  REPLICATE_FAKE_TOKEN,
  REPLICATE_WEBHOOK_SECRET,
  replicateSignatureHeaders,
  startReplicateFake,
} from '../../tests/fakes/providers/replicate.ts';
import { runProviderContract } from '../../tests/providers/contract.ts';
import { createReplicateProvider, progressFromLogs } from './replicate.ts';
import { verifyReplicateSignature } from './webhook-signatures.ts';

const IMAGE_URL = 'https://media.example.com/inputs/fox.jpg?sig=4';

runProviderContract({
  name: 'replicate',
  start: startReplicateFake,
  client: (fake, options = {}) =>
    createReplicateProvider({
      baseUrl: fake.url,
      apiToken: REPLICATE_FAKE_TOKEN,
      webhooks: true,
      ...options,
    }),
  capabilities: {
    imageToVideo: true,
    textToVideo: true,
    durations: [5, 6, 8, 10],
    ratios: ['16:9', '9:16', '1:1'],
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
    lastFrame: false,
  },
  request: {
    taskId: 'task-replicate',
    idempotencyKey: 'task-replicate',
    prompt: 'the fox turns',
    image: { contentType: 'image/jpeg', url: IMAGE_URL },
    durationSeconds: 5,
    ratio: '9:16',
  },
  checkSubmit(request) {
    expect(request.path).toBe('/v1/models/kwaivgi/kling-v1.6-standard/predictions');
    expect(request.headers.authorization).toBe(`Bearer ${REPLICATE_FAKE_TOKEN}`);
    expect(request.json).toEqual({
      input: { prompt: 'the fox turns', start_image: IMAGE_URL, duration: 5, aspect_ratio: '9:16' },
    });
  },
  // starting, processing, processing
  runningStates: 3,
  failures: [
    {
      name: 'an NSFW error to a final safety rejection',
      at: 'poll',
      script: {
        default: {
          outcome: { status: 'failed', message: 'Prompt was flagged as sensitive (E005)' },
        },
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'another model error to a retryable render failure',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', message: 'CUDA error' } } },
      expect: { code: 'render_failed', retryable: true },
    },
    {
      name: 'a 422 problem to a final rejection with its detail',
      at: 'submit',
      script: {
        submits: [
          {
            status: 422,
            body: { title: 'Invalid', detail: 'duration must be 5 or 10', status: 422 },
          },
        ],
      },
      expect: {
        code: 'provider_rejected',
        message: 'The video provider rejected the request: duration must be 5 or 10',
      },
    },
    {
      name: 'a 402 (spend limit or no credit) to out of credit',
      at: 'submit',
      script: {
        submits: [
          { status: 402, body: { title: 'Payment required', detail: 'credit', status: 402 } },
        ],
      },
      expect: { code: 'provider_out_of_credit', retryable: true },
    },
  ],
  secrets: [REPLICATE_FAKE_TOKEN],
  callbacks: {
    replicateSecret: REPLICATE_WEBHOOK_SECRET,
    forge: (callback) => ({
      body: callback.body,
      headers: replicateSignatureHeaders(
        callback.body,
        `whsec_${Buffer.from('another-key').toString('base64')}`,
      ),
    }),
  },
});

describe('Replicate webhook signatures', () => {
  const body = '{"id":"p1","status":"succeeded"}';

  it('accepts a signature computed independently with node:crypto', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const key = Buffer.from(REPLICATE_WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`msg_1.${timestamp}.${body}`).digest('base64');
    const headers = new Headers({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v0,bogus v1,${mac}`,
    });

    expect(await verifyReplicateSignature(headers, body, REPLICATE_WEBHOOK_SECRET)).toBe(true);
  });

  it('refuses a changed body, a changed id and a stale timestamp', async () => {
    const stale = Math.floor(Date.now() / 1000) - 301;
    const cases = [
      [new Headers(replicateSignatureHeaders(body)), `${body} `],
      [
        new Headers({
          ...replicateSignatureHeaders(body, REPLICATE_WEBHOOK_SECRET, 'msg_a'),
          'webhook-id': 'msg_b',
        }),
        body,
      ],
      [
        new Headers(replicateSignatureHeaders(body, REPLICATE_WEBHOOK_SECRET, 'msg_c', stale)),
        body,
      ],
    ] as const;

    for (const [headers, text] of cases) {
      expect(await verifyReplicateSignature(headers, text, REPLICATE_WEBHOOK_SECRET)).toBe(false);
    }
  });
});

describe('Replicate progress', () => {
  it('reads the last tqdm percentage from the logs', () => {
    const logs = 'a\n 10%|█ | 1/10\n 76%|███████ | 76/100 [00:33<00:10]';

    expect(progressFromLogs(logs)).toBe(76);
    expect(progressFromLogs('no bar here')).toBeNull();
    expect(progressFromLogs(null)).toBeNull();
  });

  it('asks for no webhook when no signing secret is configured', async () => {
    const fake = await startReplicateFake();
    try {
      const provider = createReplicateProvider({
        baseUrl: fake.url,
        apiToken: REPLICATE_FAKE_TOKEN,
      });
      await provider.submit({
        taskId: 't',
        idempotencyKey: 't',
        prompt: 'p',
        durationSeconds: 6,
        ratio: '16:9',
        model: 'minimax/video-01',
        callbackUrl: 'https://reelbot.example.com/providers/replicate/callback?task=x',
      });

      expect(fake.base.requests.at(-1)?.json).toEqual({
        input: { prompt: 'p', prompt_optimizer: true },
      });
    } finally {
      await fake.close();
    }
  });
});
