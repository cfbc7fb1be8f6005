// Runway's API as documented (docs.dev.runwayml.com): image_to_video / text_to_video create a
// task (promptImage a URL, or [{uri, position: 'first' | 'last'}] with 'last' for gen3a_turbo
// only), /v1/tasks/:id walks PENDING → THROTTLED → RUNNING (progress 0–1) → SUCCEEDED |
// FAILED, DELETE cancels. Requests without the API key or X-Runway-Version are refused.
import {
  startFakeBase,
  type FakeJob,
  type FakeRequest,
  type ProviderFake,
  type Reply,
} from './base.ts';

export const RUNWAY_FAKE_KEY = 'key_runway_test_secret';

const SIZES = new Set(['1280:720', '720:1280', '960:960', '1280:768', '768:1280']);
const LAST_POSITION_MODELS = new Set(['gen3a_turbo']);

/** Why Runway would refuse this promptImage, or undefined when it is well formed. */
function promptImageProblem(model: string, promptImage: unknown): string | undefined {
  if (typeof promptImage === 'string') return undefined;
  if (!Array.isArray(promptImage) || promptImage.length === 0) {
    return 'promptImage is required.';
  }
  const positions: unknown[] = [];
  for (const item of promptImage as unknown[]) {
    const { uri, position } = (item ?? {}) as Record<string, unknown>;
    if (typeof uri !== 'string' || (position !== 'first' && position !== 'last')) {
      return 'Each promptImage needs a uri and a position of first or last.';
    }
    positions.push(position);
  }
  if (new Set(positions).size !== positions.length) return 'promptImage positions must differ.';
  if (positions.includes('last') && !LAST_POSITION_MODELS.has(model)) {
    return `Position last is not supported for ${model}.`;
  }
  return undefined;
}

function taskBody(job: FakeJob, status: string, extra: Record<string, unknown> = {}) {
  return { id: job.id, status, createdAt: new Date().toISOString(), ...extra };
}

/** Starts a fake Runway API. */
export async function startRunwayFake(): Promise<ProviderFake> {
  let last: FakeJob | undefined;

  const create = async (request: FakeRequest, kind: 'image' | 'text'): Promise<Reply> => {
    base.stats.submissions += 1;
    const fault = await base.faultReply(base.takeFault('submits'));
    if (fault) return fault;
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (typeof body.model !== 'string' || !SIZES.has(String(body.ratio))) {
      return { status: 400, json: { error: 'Invalid model or ratio.' } };
    }
    const imageProblem =
      kind === 'image' ? promptImageProblem(body.model, body.promptImage) : undefined;
    if (imageProblem) return { status: 400, json: { error: imageProblem } };
    last = base.createJob(String(body.promptText ?? ''), body);
    return { status: 200, json: { id: last.id } };
  };

  const task = async (job: FakeJob | undefined): Promise<Reply> => {
    base.stats.polls += 1;
    const fault = base.takeFault('polls');
    if (fault?.lose && job) base.jobs.delete(job.id);
    const reply = await base.faultReply(fault);
    if (reply) return reply;
    if (!job || fault?.lose) return { status: 404, json: { error: 'Task not found.' } };
    if (job.canceled) return { status: 200, json: taskBody(job, 'CANCELLED') };
    const phase = base.advance(job);
    if (phase.running) {
      if (phase.index === 0) return { status: 200, json: taskBody(job, 'PENDING') };
      if (phase.index === 1) return { status: 200, json: taskBody(job, 'THROTTLED') };
      return { status: 200, json: taskBody(job, 'RUNNING', { progress: phase.index / phase.of }) };
    }
    if (phase.outcome.status === 'succeeded') {
      return { status: 200, json: taskBody(job, 'SUCCEEDED', { output: [base.videoUrl(job)] }) };
    }
    const { code = 'INTERNAL.BAD_OUTPUT.CODE01', message = 'scripted failure' } = phase.outcome;
    return {
      status: 200,
      json: taskBody(job, 'FAILED', { failure: message, failureCode: String(code) }),
    };
  };

  const base = await startFakeBase({
    errorBody: (_status, message) => ({ error: message }),
    defaultRunningPolls: 4,
    async route(request) {
      if (request.headers.authorization !== `Bearer ${RUNWAY_FAKE_KEY}`) {
        return { status: 401, json: { error: 'Unauthorized' } };
      }
      if (request.headers['x-runway-version'] !== '2024-11-06') {
        return { status: 400, json: { error: 'Missing or invalid X-Runway-Version header.' } };
      }
      if (request.method === 'POST' && request.path === '/v1/image_to_video') {
        return create(request, 'image');
      }
      if (request.method === 'POST' && request.path === '/v1/text_to_video') {
        return create(request, 'text');
      }
      const match = /^\/v1\/tasks\/([^/]+)$/.exec(request.path);
      if (!match?.[1]) return undefined;
      const job = base.jobs.get(match[1]);
      if (request.method === 'GET') return task(job);
      if (request.method === 'DELETE') {
        base.stats.cancels += 1;
        if (!job) return { status: 404, json: { error: 'Task not found.' } };
        job.canceled = true;
        return { status: 204 };
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
  };
}
