import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KLING_ACCESS_KEY,
  KLING_SECRET_KEY,
  startKlingFake,
} from '../../tests/fakes/providers/kling.ts';
import { runProviderContract } from '../../tests/providers/contract.ts';
import { createKlingProvider } from './kling.ts';
import { klingTokenSource, signKlingJwt } from './kling-jwt.ts';

const IMAGE_URL = 'https://media.example.com/inputs/dog.jpg?sig=1';
const LAST_URL = 'https://media.example.com/inputs/dog-asleep.jpg?sig=2';
const keys = { accessKey: KLING_ACCESS_KEY, secretKey: KLING_SECRET_KEY };

runProviderContract({
  name: 'kling',
  start: startKlingFake,
  client: (fake, options = {}) => createKlingProvider({ baseUrl: fake.url, ...keys, ...options }),
  capabilities: {
    imageToVideo: true,
    textToVideo: true,
    durations: [5, 10],
    ratios: ['16:9', '9:16', '1:1'],
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png'],
    lastFrame: true,
  },
  request: {
    taskId: 'task-kling',
    idempotencyKey: 'task-kling',
    prompt: 'the dog runs',
    image: { contentType: 'image/jpeg', url: IMAGE_URL },
    durationSeconds: 5,
    ratio: '16:9',
  },
  checkSubmit(request) {
    expect(request.path).toBe('/v1/videos/image2video');
    expect(request.json).toEqual({
      model_name: 'kling-v2-1',
      prompt: 'the dog runs',
      mode: 'std',
      duration: '5',
      external_task_id: 'task-kling',
      image: IMAGE_URL,
    });
  },
  // submitted, processing, processing
  runningStates: 3,
  failures: [
    {
      name: 'code 1301 (content security) to a final safety rejection',
      at: 'submit',
      script: { submits: [{ status: 400, body: { code: 1301, message: 'risk control' } }] },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'code 1102 (resource pack exhausted) to out of credit, retryable for failover',
      at: 'submit',
      script: { submits: [{ status: 429, body: { code: 1102, message: 'exhausted' } }] },
      expect: { code: 'provider_out_of_credit', retryable: true },
    },
    {
      name: 'code 1303 (concurrency over the plan) to rate_limited',
      at: 'submit',
      script: { submits: [{ status: 429, body: { code: 1303, message: 'parallel' } }] },
      expect: { code: 'rate_limited', retryable: true },
    },
    {
      name: 'code 1201 (bad parameter) to a final rejection',
      at: 'submit',
      script: { submits: [{ status: 400, body: { code: 1201, message: 'bad image' } }] },
      expect: { code: 'provider_rejected', retryable: false },
    },
    {
      name: 'code 5001 (maintenance) to a retryable outage',
      at: 'submit',
      script: { submits: [{ status: 503, body: { code: 5001, message: 'maintenance' } }] },
      expect: { code: 'provider_unavailable', retryable: true },
    },
    {
      name: 'a task failed by risk control to a final safety rejection',
      at: 'poll',
      script: {
        default: {
          outcome: { status: 'failed', message: 'Failure to pass the risk control system' },
        },
      },
      expect: { code: 'safety_rejected', retryable: false },
    },
    {
      name: 'any other failed task to a retryable render failure',
      at: 'poll',
      script: { default: { outcome: { status: 'failed', message: 'internal error' } } },
      expect: { code: 'render_failed', retryable: true },
    },
  ],
  secrets: [KLING_SECRET_KEY],
  callbacks: {},
});

describe('Kling JWT', () => {
  it('matches an HS256 JWT computed independently with node:crypto', async () => {
    const now = 1_767_225_600;
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const claims = { iss: KLING_ACCESS_KEY, exp: now + 1800, nbf: now - 5 };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', KLING_SECRET_KEY)
      .update(`${header}.${body}`)
      .digest('base64url');

    expect(await signKlingJwt(KLING_ACCESS_KEY, KLING_SECRET_KEY, now)).toBe(
      `${header}.${body}.${signature}`,
    );
  });

  it('reuses its token, then signs a fresh one before the old one expires', async () => {
    let now = 1_767_225_600_000;
    const token = klingTokenSource(KLING_ACCESS_KEY, KLING_SECRET_KEY, () => now);

    const first = await token();
    now += 20 * 60 * 1000;
    const reused = await token();
    now += 6 * 60 * 1000;
    const refreshed = await token();

    expect(reused).toBe(first);
    expect(refreshed).not.toBe(first);
  });

  it('sends a token the fake accepts on every request, issued by the access key', async () => {
    const fake = await startKlingFake();
    try {
      const provider = createKlingProvider({ baseUrl: fake.url, ...keys });
      const submitted = await provider.submit({
        taskId: 't',
        idempotencyKey: 't',
        prompt: 'text only',
        durationSeconds: 10,
        ratio: '9:16',
        model: 'kling-v1-6',
      });
      if (!submitted.ok) throw new Error(JSON.stringify(submitted));
      await provider.poll(submitted.jobId);

      expect(fake.tokens).toHaveLength(2);
      expect(fake.tokens[0]).toMatchObject({ iss: KLING_ACCESS_KEY });
      expect(fake.base.requests[0]).toMatchObject({
        path: '/v1/videos/text2video',
        json: { aspect_ratio: '9:16', duration: '10', model_name: 'kling-v1-6' },
      });
      expect(fake.base.requests[1]?.path).toMatch(/^\/v1\/videos\/text2video\//);
    } finally {
      await fake.close();
    }
  });

  it('is refused with a wrong secret, as a final auth failure', async () => {
    const fake = await startKlingFake();
    try {
      const provider = createKlingProvider({ baseUrl: fake.url, ...keys, secretKey: 'wrong' });
      const result = await provider.submit({
        taskId: 't',
        idempotencyKey: 't',
        prompt: 'p',
        durationSeconds: 5,
        ratio: '1:1',
        model: 'kling-v1-6',
      });

      expect(result).toMatchObject({ ok: false, code: 'provider_auth_failed', retryable: false });
    } finally {
      await fake.close();
    }
  });
});

describe('Kling last frame', () => {
  const firstOnly = {
    taskId: 't',
    idempotencyKey: 't',
    prompt: 'the dog lies down',
    image: { contentType: 'image/jpeg' as const, url: IMAGE_URL },
    durationSeconds: 10,
    ratio: '16:9' as const,
  };
  const request = {
    ...firstOnly,
    lastFrame: { contentType: 'image/png' as const, url: LAST_URL },
  };

  it('sends image_tail in pro mode to the models whose capability map has end frames', async () => {
    const fake = await startKlingFake();
    try {
      const provider = createKlingProvider({ baseUrl: fake.url, ...keys });

      for (const model of ['kling-v2-1', 'kling-v1-6']) {
        const result = await provider.submit({ ...request, model });

        expect(result.ok).toBe(true);
        expect(fake.base.requests.at(-1)).toMatchObject({
          path: '/v1/videos/image2video',
          json: { model_name: model, mode: 'pro', image: IMAGE_URL, image_tail: LAST_URL },
        });
      }
    } finally {
      await fake.close();
    }
  });

  it('stays in std mode without a last frame', async () => {
    const fake = await startKlingFake();
    try {
      const provider = createKlingProvider({ baseUrl: fake.url, ...keys });

      await provider.submit(firstOnly);

      const sent = fake.base.requests.at(-1)?.json as Record<string, unknown>;
      expect(sent.mode).toBe('std');
      expect(sent).not.toHaveProperty('image_tail');
    } finally {
      await fake.close();
    }
  });

  it('refuses a last frame for kling-v2-master without calling Kling', async () => {
    const fake = await startKlingFake();
    try {
      const provider = createKlingProvider({ baseUrl: fake.url, ...keys });

      const result = await provider.submit({ ...request, model: 'kling-v2-master' });

      expect(result).toEqual({
        ok: false,
        code: 'unsupported_request',
        message: 'Kling kling-v2-master takes no last frame.',
        retryable: false,
      });
      expect(fake.base.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
