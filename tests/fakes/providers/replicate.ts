// Replicate's predictions API as documented: POST /v1/models/<owner>/<name>/predictions,
// GET /v1/predictions/<id> walks starting → processing (tqdm logs) → succeeded | failed,
// POST .../cancel. Webhooks are signed the Standard Webhooks way (webhook-id, -timestamp,
// -signature: HMAC-SHA-256 with the whsec_ secret), computed here with node:crypto.
import { createHmac, randomUUID } from 'node:crypto';
import {
  startFakeBase,
  type FakeJob,
  type FakeRequest,
  type ProviderFake,
  type Reply,
} from './base.ts';

export const REPLICATE_FAKE_TOKEN = 'r8_replicate_test_token';
const SIGNING_KEY = Buffer.from('replicate-test-signing-key-32by');
export const REPLICATE_WEBHOOK_SECRET = `whsec_${SIGNING_KEY.toString('base64')}`;

/** Signs a webhook body as Replicate does. */
export function replicateSignatureHeaders(
  body: string,
  secret = REPLICATE_WEBHOOK_SECRET,
  id = `msg_${randomUUID()}`,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  };
}

/** Starts a fake Replicate API. */
export async function startReplicateFake(): Promise<ProviderFake> {
  let last: FakeJob | undefined;

  const prediction = (job: FakeJob, status: string, extra: Record<string, unknown> = {}) => ({
    id: job.id,
    model: job.extra.model,
    version: 'hash',
    input: job.input,
    logs: '',
    output: null,
    error: null,
    status,
    created_at: new Date().toISOString(),
    urls: {
      get: `${base.url}/v1/predictions/${job.id}`,
      cancel: `${base.url}/v1/predictions/${job.id}/cancel`,
    },
    ...extra,
  });
  const finalPrediction = (job: FakeJob) => {
    const outcome = base.outcomeOf(job);
    if (outcome.status === 'succeeded') {
      return prediction(job, 'succeeded', {
        output: base.videoUrl(job),
        metrics: { predict_time: 42 },
      });
    }
    return prediction(job, 'failed', { error: outcome.message ?? 'scripted failure' });
  };

  const create = async (request: FakeRequest, model: string): Promise<Reply> => {
    base.stats.submissions += 1;
    const fault = await base.faultReply(base.takeFault('submits'));
    if (fault) return fault;
    const body = (request.json ?? {}) as { input?: Record<string, unknown>; webhook?: string };
    if (typeof body.input?.prompt !== 'string') {
      return {
        status: 422,
        json: { title: 'Input validation failed', detail: 'prompt is required', status: 422 },
      };
    }
    last = base.createJob(body.input.prompt, body as Record<string, unknown>, body.webhook);
    last.extra.model = model;
    return { status: 201, json: prediction(last, 'starting') };
  };

  const get = async (job: FakeJob | undefined): Promise<Reply> => {
    base.stats.polls += 1;
    const fault = base.takeFault('polls');
    if (fault?.lose && job) base.jobs.delete(job.id);
    const reply = await base.faultReply(fault);
    if (reply) return reply;
    if (!job || fault?.lose)
      return { status: 404, json: { title: 'Not found', detail: 'Not found.', status: 404 } };
    if (job.canceled) return { status: 200, json: prediction(job, 'canceled') };
    const phase = base.advance(job);
    if (phase.running && phase.index === 0)
      return { status: 200, json: prediction(job, 'starting') };
    if (phase.running) {
      const percent = Math.round((phase.index / phase.of) * 100);
      const bar = `${percent}%|████      | ${phase.index}/${phase.of}`;
      const logs = `loading\n${bar} [00:03<00:03]`;
      return { status: 200, json: prediction(job, 'processing', { logs }) };
    }
    return { status: 200, json: finalPrediction(job) };
  };

  const base = await startFakeBase({
    errorBody: (status, message) => ({ title: `HTTP ${status}`, detail: message, status }),
    async route(request) {
      if (request.headers.authorization !== `Bearer ${REPLICATE_FAKE_TOKEN}`) {
        return {
          status: 401,
          json: { title: 'Unauthenticated', detail: 'Invalid token.', status: 401 },
        };
      }
      const create_ = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/.exec(request.path);
      if (create_?.[1] && request.method === 'POST') return create(request, create_[1]);
      const match = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(request.path);
      const job = base.jobs.get(match?.[1] ?? '');
      if (match && !match[2] && request.method === 'GET') return get(job);
      if (match?.[2] && request.method === 'POST' && job) {
        base.stats.cancels += 1;
        job.canceled = true;
        return { status: 200, json: prediction(job, 'canceled') };
      }
      return undefined;
    },
  });

  return {
    url: base.url,
    base,
    script: (s) => base.script(s),
    reset: () => base.reset(),
    close: () => base.close(),
    lastJob: () => last,
    async callbackFor(job) {
      const body = JSON.stringify(finalPrediction(job));
      return { body, headers: replicateSignatureHeaders(body) };
    },
  };
}
