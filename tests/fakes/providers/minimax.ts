// MiniMax's video API as documented: POST /v1/video_generation (first_frame_image, and
// last_frame_image with it for MiniMax-Hailuo-02 only, not at 512P; a callback_url is first
// checked by POSTing {"challenge"} to it, which must be echoed), GET
// /v1/query/video_generation?task_id= walks Preparing → Queueing → Processing → Success
// (file_id) | Fail, GET /v1/files/retrieve gives the download_url. Errors ride in
// base_resp.status_code, with HTTP 200.
import { randomUUID } from 'node:crypto';
import {
  postCallback,
  startFakeBase,
  type FakeJob,
  type FakeRequest,
  type ProviderFake,
  type Reply,
} from './base.ts';

export const MINIMAX_FAKE_KEY = 'minimax-test-key-secret';

const ok = { status_code: 0, status_msg: 'success' };
const LAST_FRAME_MODELS = new Set(['MiniMax-Hailuo-02']);

const invalidParams = (message: string): Reply => ({
  status: 200,
  json: { task_id: '', base_resp: { status_code: 2013, status_msg: `invalid params, ${message}` } },
});

const isImage = (value: unknown): boolean =>
  typeof value === 'string' && /^(https?:\/\/|data:image\/)/.test(value);

/** Why MiniMax would refuse these frames, or undefined when they are well formed. */
function framesProblem(body: Record<string, unknown>): string | undefined {
  if (body.first_frame_image !== undefined && !isImage(body.first_frame_image)) {
    return 'first_frame_image';
  }
  if (body.last_frame_image === undefined) return undefined;
  if (!LAST_FRAME_MODELS.has(String(body.model)))
    return `last_frame_image with ${String(body.model)}`;
  if (!isImage(body.last_frame_image)) return 'last_frame_image';
  if (body.first_frame_image === undefined) return 'last_frame_image without first_frame_image';
  if (body.resolution === '512P') return 'last_frame_image at 512P';
  return undefined;
}

/** Starts a fake MiniMax API. */
export async function startMinimaxFake(): Promise<ProviderFake> {
  let last: FakeJob | undefined;
  const files = new Map<string, FakeJob>();

  const finalQuery = (job: FakeJob) => {
    const outcome = base.outcomeOf(job);
    if (outcome.status === 'succeeded') {
      const fileId = String(Math.floor(Math.random() * 1e12));
      files.set(fileId, job);
      return {
        task_id: job.id,
        status: 'Success',
        file_id: fileId,
        video_width: 1280,
        video_height: 720,
        base_resp: ok,
      };
    }
    const code = typeof outcome.code === 'number' ? outcome.code : 0;
    return {
      task_id: job.id,
      status: 'Fail',
      file_id: '',
      base_resp: code === 0 ? ok : { status_code: code, status_msg: outcome.message ?? 'failed' },
    };
  };

  const create = async (request: FakeRequest): Promise<Reply> => {
    base.stats.submissions += 1;
    const fault = await base.faultReply(base.takeFault('submits'));
    if (fault) return fault;
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (typeof body.model !== 'string' || typeof body.prompt !== 'string') {
      return {
        status: 200,
        json: { task_id: '', base_resp: { status_code: 2013, status_msg: 'invalid params' } },
      };
    }
    const problem = framesProblem(body);
    if (problem) return invalidParams(problem);
    const callback = typeof body.callback_url === 'string' ? body.callback_url : undefined;
    const job = base.createJob(body.prompt, body, callback);
    last = job;
    if (callback) {
      const challenge = randomUUID();
      const answer = await postCallback(callback, JSON.stringify({ challenge }));
      const echoed = (JSON.parse(answer.body || '{}') as { challenge?: string }).challenge;
      job.extra.challenge = echoed === challenge ? 'echoed' : 'failed';
    }
    return { status: 200, json: { task_id: job.id, base_resp: ok } };
  };

  const query = async (job: FakeJob | undefined): Promise<Reply> => {
    base.stats.polls += 1;
    const reply = await base.faultReply(base.takeFault('polls'));
    if (reply) return reply;
    if (!job)
      return {
        status: 200,
        json: { base_resp: { status_code: 2013, status_msg: 'task not found' } },
      };
    const phase = base.advance(job);
    if (phase.running) {
      const status = ['Preparing', 'Queueing'][phase.index] ?? 'Processing';
      return { status: 200, json: { task_id: job.id, status, file_id: '', base_resp: ok } };
    }
    return { status: 200, json: finalQuery(job) };
  };

  const retrieve = (fileId: string): Reply => {
    const job = files.get(fileId);
    if (!job)
      return { status: 200, json: { base_resp: { status_code: 2013, status_msg: 'no file' } } };
    return {
      status: 200,
      json: {
        file: {
          file_id: Number(fileId),
          bytes: 1,
          created_at: Math.floor(Date.now() / 1000),
          filename: 'output.mp4',
          purpose: 'video_generation',
          download_url: base.videoUrl(job),
        },
        base_resp: ok,
      },
    };
  };

  const base = await startFakeBase({
    errorBody: (status, message) => ({
      base_resp: { status_code: status === 429 ? 1002 : 1000, status_msg: message },
    }),
    defaultRunningPolls: 3,
    async route(request) {
      if (request.headers.authorization !== `Bearer ${MINIMAX_FAKE_KEY}`) {
        return {
          status: 401,
          json: { base_resp: { status_code: 1004, status_msg: 'authorized error' } },
        };
      }
      if (request.path === '/v1/video_generation' && request.method === 'POST')
        return create(request);
      if (request.path === '/v1/query/video_generation' && request.method === 'GET') {
        return query(base.jobs.get(request.query.get('task_id') ?? ''));
      }
      if (request.path === '/v1/files/retrieve' && request.method === 'GET') {
        return retrieve(request.query.get('file_id') ?? '');
      }
      return undefined;
    },
  });

  return {
    url: base.url,
    base,
    script: (s) => base.script(s),
    reset: () => {
      base.reset();
      files.clear();
    },
    close: () => base.close(),
    lastJob: () => last,
    async callbackFor(job) {
      return { body: JSON.stringify(finalQuery(job)), headers: {} };
    },
  };
}
