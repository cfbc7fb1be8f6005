import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FAL_FAKE_KEY,
  falSignatureHeaders,
  startFalFake,
} from '../../tests/fakes/providers/fal.ts';
import { runProviderContract } from '../../tests/providers/contract.ts';
import { createFalProvider } from './fal.ts';
import { verifyFalSignature, type Jwk } from './webhook-signatures.ts';

const IMAGE_URL = 'https://media.example.com/inputs/boat.webp?sig=3';

runProviderContract({
  name: 'fal',
  start: startFalFake,
  client: (fake, options = {}) =>
    createFalProvider({ baseUrl: fake.url, apiKey: FAL_FAKE_KEY, ...options }),
  capabilities: {
    imageToVideo: true,
    textToVideo: true,
    durations: [5, 8, 10],
    ratios: ['16:9', '9:16', '1:1'],
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
    lastFrame: false,
  },
  request: {
    taskId: 'task-fal',
    idempotencyKey: 'task-fal',
    prompt: 'the boat rocks',
    image: { contentType: 'image/webp', url: IMAGE_URL },
    durationSeconds: 10,
    ratio: '16:9',
  },
  checkSubmit(request) {
    expect(request.path).toBe('/fal-ai/kling-video/v2.1/standard/image-to-video');
    expect(request.headers.authorization).toBe(`Key ${FAL_FAKE_KEY}`);
    expect(request.json).toEqual({
      prompt: 'the boat rocks',
      image_url: IMAGE_URL,
      duration: '10',
    });
  },
  // IN_QUEUE, IN_PROGRESS, IN_PROGRESS
  runningStates: 3,
  failures: [
    {
      name: 'a content_policy_violation to a final safety rejection',
      at: 'poll',
      script: {
        default: {
          outcome: { status: 'failed', code: 'content_policy_violation', message: 'flagged' },
        },
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'a failed request to a retryable render failure',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', message: 'CUDA out of memory' } } },
      expect: { code: 'render_failed', retryable: true },
    },
    {
      name: 'a 422 validation error to a final rejection',
      at: 'submit',
      script: {
        submits: [
          { status: 422, body: { detail: [{ msg: 'image_url is invalid', type: 'value_error' }] } },
        ],
      },
      expect: {
        code: 'provider_rejected',
        retryable: false,
        message: 'The video provider rejected the request: image_url is invalid',
      },
    },
    {
      name: 'a 422 content policy violation at submission to a safety rejection',
      at: 'submit',
      script: {
        submits: [
          { status: 422, body: { detail: [{ msg: 'nsfw', type: 'content_policy_violation' }] } },
        ],
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
  ],
  secrets: ['fal-key-secret'],
  callbacks: {
    falJwks: true,
    forge: (callback) => ({
      body: callback.body.replace('"OK"', '"ok"'),
      headers: callback.headers,
    }),
  },
});

describe('fal webhook signatures', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const keys = [publicKey.export({ format: 'jwk' }) as Jwk];
  const body = '{"request_id":"r-1","status":"OK","payload":{}}';

  it('accepts a signature made independently with node:crypto', async () => {
    const headers = new Headers(falSignatureHeaders(privateKey, 'r-1', body));

    expect(await verifyFalSignature(headers, body, keys)).toBe(true);
  });

  it('refuses a changed body, another request id, another key and a stale timestamp', async () => {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const old = Math.floor(Date.now() / 1000) - 301;

    const cases = [
      [new Headers(falSignatureHeaders(privateKey, 'r-1', body)), `${body} `],
      [
        new Headers({
          ...falSignatureHeaders(privateKey, 'r-1', body),
          'x-fal-webhook-request-id': 'r-2',
        }),
        body,
      ],
      [new Headers(falSignatureHeaders(stranger, 'r-1', body)), body],
      [new Headers(falSignatureHeaders(privateKey, 'r-1', body, old)), body],
    ] as const;

    for (const [headers, text] of cases)
      expect(await verifyFalSignature(headers, text, keys)).toBe(false);
  });

  it('checks the signature over the documented message layout', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const digest = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    const message = `r-1\nuser-reelbot\n${timestamp}\n${digest}`;
    const headers = new Headers({
      'x-fal-webhook-request-id': 'r-1',
      'x-fal-webhook-user-id': 'user-reelbot',
      'x-fal-webhook-timestamp': String(timestamp),
      'x-fal-webhook-signature': sign(null, Buffer.from(message), privateKey).toString('hex'),
    });

    expect(await verifyFalSignature(headers, body, keys)).toBe(true);
  });
});
