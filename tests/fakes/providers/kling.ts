// Kling's API as documented: a JWT (HS256, iss = access key, exp, nbf) on every request,
// checked here with node:crypto independently of the client; image2video / text2video create
// a task ({code, message, request_id, data}); image_tail (the end frame) only where the
// capability map allows it; GET /v1/videos/<kind>/<id> walks submitted → processing → succeed |
// failed; the finished task is POSTed to callback_url as Kling does.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  startFakeBase,
  type FakeJob,
  type FakeRequest,
  type ProviderFake,
  type Reply,
} from './base.ts';

export const KLING_ACCESS_KEY = 'ak_kling_test';
export const KLING_SECRET_KEY = 'sk_kling_test_secret';

export interface KlingClaims {
  iss: string;
  exp: number;
  nbf: number;
}

/** The verified claims of a bearer JWT, or the reason it is refused. */
export function verifyKlingJwt(authorization: string | undefined, nowSeconds: number) {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
  const [header, body, signature] = token.split('.');
  if (!header || !body || !signature) return { ok: false as const, reason: 'no token' };
  const expected = createHmac('sha256', KLING_SECRET_KEY).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false as const, reason: 'bad signature' };
  }
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as KlingClaims;
  if (head.alg !== 'HS256' || head.typ !== 'JWT') return { ok: false as const, reason: 'header' };
  if (claims.iss !== KLING_ACCESS_KEY) return { ok: false as const, reason: 'issuer' };
  if (claims.nbf > nowSeconds || claims.exp <= nowSeconds) {
    return { ok: false as const, reason: 'expired' };
  }
  return { ok: true as const, claims };
}

// Start/end frames per Kling's capability map, for the models the client serves: pro mode of
// kling-v1-6 and kling-v2-1 only (kling-v2-master has none).
const TAIL_MODELS = new Set(['kling-v1-6', 'kling-v2-1']);

/** Why Kling would refuse this image_tail, or undefined when it may be used. */
function imageTailProblem(body: Record<string, unknown>): string | undefined {
  if (body.image_tail === undefined) return undefined;
  if (typeof body.image_tail !== 'string' || body.image_tail === '') {
    return 'image_tail must be an image URL or Base64';
  }
  if (!TAIL_MODELS.has(String(body.model_name)) || body.mode !== 'pro') {
    return `image_tail is not supported by ${String(body.model_name)} in ${String(body.mode)} mode`;
  }
  return undefined;
}

const envelope = (data: unknown) => ({ code: 0, message: 'SUCCEED', request_id: 'req-1', data });

export interface KlingFake extends ProviderFake {
  tokens: KlingClaims[];
}

/** Starts a fake Kling API. */
export async function startKlingFake(): Promise<KlingFake> {
  let last: FakeJob | undefined;
  const tokens: KlingClaims[] = [];

  const taskData = (job: FakeJob, status: string, extra: Record<string, unknown> = {}) => ({
    task_id: job.id,
    task_status: status,
    task_info: { external_task_id: job.extra.external ?? '' },
    created_at: Date.now(),
    updated_at: Date.now(),
    ...extra,
  });

  const finalData = (job: FakeJob) => {
    const outcome = base.outcomeOf(job);
    if (outcome.status === 'succeeded') {
      return taskData(job, 'succeed', {
        task_result: { videos: [{ id: 'v1', url: base.videoUrl(job), duration: '5' }] },
      });
    }
    return taskData(job, 'failed', { task_status_msg: outcome.message ?? 'scripted failure' });
  };

  const create = async (request: FakeRequest, kind: string): Promise<Reply> => {
    base.stats.submissions += 1;
    const fault = await base.faultReply(base.takeFault('submits'));
    if (fault) return fault;
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (!['5', '10'].includes(String(body.duration)) || typeof body.duration !== 'string') {
      return { status: 400, json: { code: 1201, message: 'duration must be "5" or "10"' } };
    }
    if (kind === 'image2video' && typeof body.image !== 'string') {
      return { status: 400, json: { code: 1201, message: 'image is required' } };
    }
    const tailProblem = kind === 'image2video' ? imageTailProblem(body) : undefined;
    if (tailProblem) return { status: 400, json: { code: 1201, message: tailProblem } };
    const callback = typeof body.callback_url === 'string' ? body.callback_url : undefined;
    last = base.createJob(String(body.prompt ?? ''), body, callback);
    last.extra.kind = kind;
    last.extra.external = String(body.external_task_id ?? '');
    return { status: 200, json: envelope(taskData(last, 'submitted')) };
  };

  const query = async (job: FakeJob | undefined): Promise<Reply> => {
    base.stats.polls += 1;
    const fault = base.takeFault('polls');
    if (fault?.lose && job) base.jobs.delete(job.id);
    const reply = await base.faultReply(fault);
    if (reply) return reply;
    if (!job || fault?.lose)
      return { status: 404, json: { code: 1203, message: 'task not found' } };
    const phase = base.advance(job);
    if (phase.running) {
      return {
        status: 200,
        json: envelope(taskData(job, phase.index === 0 ? 'submitted' : 'processing')),
      };
    }
    return { status: 200, json: envelope(finalData(job)) };
  };

  const base = await startFakeBase({
    errorBody: (status, message) => ({
      code: status === 429 ? 1302 : status >= 500 ? 5000 : status === 401 ? 1004 : 1200,
      message,
      request_id: 'req-err',
    }),
    async route(request) {
      const verified = verifyKlingJwt(request.headers.authorization, Math.floor(Date.now() / 1000));
      if (!verified.ok) return { status: 401, json: { code: 1004, message: verified.reason } };
      tokens.push(verified.claims);
      const create_ = /^\/v1\/videos\/(image2video|text2video)$/.exec(request.path);
      if (create_?.[1] && request.method === 'POST') return create(request, create_[1]);
      const get = /^\/v1\/videos\/(image2video|text2video)\/([^/]+)$/.exec(request.path);
      if (get?.[2] && request.method === 'GET') return query(base.jobs.get(get[2]));
      return undefined;
    },
  });

  return {
    url: base.url,
    base,
    tokens,
    script: (s) => base.script(s),
    reset: () => {
      base.reset();
      tokens.length = 0;
    },
    close: () => base.close(),
    lastJob: () => last,
    // Kling POSTs the task, as its query returns it, to callback_url; nothing is signed.
    callbackFor: async (job) => ({ body: JSON.stringify(finalData(job)), headers: {} }),
  };
}
