// fal's queue API as documented: POST /<model id>[?fal_webhook=] queues, GET
// /<app>/requests/<id>/status walks IN_QUEUE (queue_position) → IN_PROGRESS → COMPLETED,
// GET /<app>/requests/<id> returns the output, PUT .../cancel cancels. Webhooks are signed with
// Ed25519 (a key pair made here with node:crypto, published at /.well-known/jwks.json).
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  startFakeBase,
  type FakeJob,
  type FakeRequest,
  type ProviderFake,
  type Reply,
} from './base.ts';

export const FAL_FAKE_KEY = 'fal-key-id:fal-key-secret';
export const FAL_USER_ID = 'user-reelbot';

/** Signs a webhook as fal does: hex Ed25519 over request id, user id, timestamp, body hash. */
export function falSignatureHeaders(
  privateKey: KeyObject,
  requestId: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const digest = createHash('sha256').update(body).digest('hex');
  const message = Buffer.from(`${requestId}\n${FAL_USER_ID}\n${timestamp}\n${digest}`);
  return {
    'x-fal-webhook-request-id': requestId,
    'x-fal-webhook-user-id': FAL_USER_ID,
    'x-fal-webhook-timestamp': String(timestamp),
    'x-fal-webhook-signature': sign(null, message, privateKey).toString('hex'),
  };
}

export interface FalFake extends ProviderFake {
  privateKey: KeyObject;
}

/** Starts a fake fal queue. */
export async function startFalFake(): Promise<FalFake> {
  let last: FakeJob | undefined;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'fake-key', alg: 'EdDSA', use: 'sig' };

  const queued = (job: FakeJob, app: string) => ({
    request_id: job.id,
    response_url: `${base.url}/${app}/requests/${job.id}`,
    status_url: `${base.url}/${app}/requests/${job.id}/status`,
    cancel_url: `${base.url}/${app}/requests/${job.id}/cancel`,
    queue_position: 2,
  });

  const submit = async (request: FakeRequest): Promise<Reply> => {
    base.stats.submissions += 1;
    const fault = await base.faultReply(base.takeFault('submits'));
    if (fault) return fault;
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (typeof body.prompt !== 'string') {
      return {
        status: 422,
        json: { detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'missing' }] },
      };
    }
    const webhook = request.query.get('fal_webhook') ?? undefined;
    last = base.createJob(body.prompt, body, webhook);
    const app = request.path.split('/').slice(1, 3).join('/');
    last.extra.app = app;
    last.extra.model = request.path.slice(1);
    return { status: 200, json: queued(last, app) };
  };

  const status = async (job: FakeJob | undefined): Promise<Reply> => {
    base.stats.polls += 1;
    const fault = base.takeFault('polls');
    if (fault?.lose && job) base.jobs.delete(job.id);
    const reply = await base.faultReply(fault);
    if (reply) return reply;
    if (!job || fault?.lose) return { status: 404, json: { detail: 'Request not found' } };
    const app = job.extra.app ?? '';
    const phase = base.advance(job);
    const urls = { response_url: `${base.url}/${app}/requests/${job.id}` };
    if (phase.running && phase.index === 0) {
      return { status: 202, json: { status: 'IN_QUEUE', queue_position: 1, ...urls } };
    }
    if (phase.running) {
      return {
        status: 202,
        json: {
          status: 'IN_PROGRESS',
          logs: [{ message: 'step', level: 'INFO', timestamp: new Date().toISOString() }],
          ...urls,
        },
      };
    }
    const { outcome } = phase;
    if (outcome.status === 'succeeded')
      return { status: 200, json: { status: 'COMPLETED', ...urls } };
    return {
      status: 200,
      json: {
        status: 'COMPLETED',
        error: outcome.message ?? 'scripted failure',
        ...(outcome.code === undefined ? {} : { error_type: String(outcome.code) }),
        ...urls,
      },
    };
  };

  const output = (job: FakeJob) => ({
    video: {
      url: base.videoUrl(job),
      content_type: 'video/mp4',
      file_name: 'output.mp4',
      file_size: 1,
    },
  });

  const base = await startFakeBase({
    errorBody: (_status, message) => ({ detail: message }),
    async route(request) {
      if (request.path === '/.well-known/jwks.json') return { status: 200, json: { keys: [jwk] } };
      if (request.headers.authorization !== `Key ${FAL_FAKE_KEY}`) {
        return { status: 401, json: { detail: 'Invalid key' } };
      }
      const match = /^\/([^/]+\/[^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(request.path);
      if (!match) return request.method === 'POST' ? submit(request) : undefined;
      const job = base.jobs.get(match[2] ?? '');
      if (match[3] === '/status' && request.method === 'GET') return status(job);
      if (match[3] === '/cancel' && request.method === 'PUT') {
        base.stats.cancels += 1;
        if (job) job.canceled = true;
        return { status: 202, json: { status: 'CANCELLATION_REQUESTED' } };
      }
      if (match[3] === undefined && request.method === 'GET' && job) {
        return { status: 200, json: output(job) };
      }
      return undefined;
    },
  });

  return {
    url: base.url,
    base,
    privateKey,
    script: (s) => base.script(s),
    reset: () => base.reset(),
    close: () => base.close(),
    lastJob: () => last,
    async callbackFor(job) {
      const outcome = base.outcomeOf(job);
      const body = JSON.stringify(
        outcome.status === 'succeeded'
          ? { request_id: job.id, gateway_request_id: job.id, status: 'OK', payload: output(job) }
          : {
              request_id: job.id,
              gateway_request_id: job.id,
              status: 'ERROR',
              error: outcome.message ?? 'failed',
              payload: null,
            },
      );
      return { body, headers: falSignatureHeaders(privateKey, job.id, body) };
    },
  };
}
