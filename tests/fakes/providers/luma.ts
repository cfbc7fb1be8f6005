// Luma Dream Machine as documented: POST /dream-machine/v1/generations (keyframes.frame0 for
// the first image, keyframes.frame1 for the last, each {type: 'image', url} or
// {type: 'generation', id}), GET .../generations/:id walks queued → dreaming → completed |
// failed, and the generation is POSTed to callback_url on a state change, unsigned.
import {
  startFakeBase,
  type FakeJob,
  type FakeRequest,
  type ProviderFake,
  type Reply,
} from './base.ts';

export const LUMA_FAKE_KEY = 'luma-test-key-secret';

const isKeyframe = (frame: unknown): boolean => {
  const { type, url, id } = (frame ?? {}) as Record<string, unknown>;
  if (type === 'image') return typeof url === 'string' && /^https?:\/\//.test(url);
  return type === 'generation' && typeof id === 'string';
};

/** Why Luma would refuse these keyframes, or undefined when they are well formed. */
function keyframesProblem(keyframes: unknown): string | undefined {
  if (keyframes === undefined) return undefined;
  if (typeof keyframes !== 'object' || keyframes === null) return 'keyframes must be an object';
  const frames = Object.entries(keyframes);
  if (frames.length === 0) return 'keyframes needs frame0 or frame1';
  for (const [name, frame] of frames) {
    if (name !== 'frame0' && name !== 'frame1') return `Unknown keyframe ${name}`;
    if (!isKeyframe(frame)) return `Invalid ${name}`;
  }
  return undefined;
}

/** Starts a fake Luma API. */
export async function startLumaFake(): Promise<ProviderFake> {
  let last: FakeJob | undefined;

  const generation = (job: FakeJob, state: string, extra: Record<string, unknown> = {}) => ({
    id: job.id,
    generation_type: 'video',
    state,
    failure_reason: null,
    created_at: new Date().toISOString(),
    assets: null,
    model: job.input.model,
    request: job.input,
    ...extra,
  });
  const finalGeneration = (job: FakeJob) => {
    const outcome = base.outcomeOf(job);
    if (outcome.status === 'succeeded') {
      return generation(job, 'completed', { assets: { video: base.videoUrl(job) } });
    }
    return generation(job, 'failed', { failure_reason: outcome.message ?? 'scripted failure' });
  };

  const create = async (request: FakeRequest): Promise<Reply> => {
    base.stats.submissions += 1;
    const fault = await base.faultReply(base.takeFault('submits'));
    if (fault) return fault;
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (!/^\d+s$/.test(String(body.duration)) || typeof body.aspect_ratio !== 'string') {
      return { status: 400, json: { detail: 'Invalid duration or aspect_ratio' } };
    }
    const problem = keyframesProblem(body.keyframes);
    if (problem) return { status: 400, json: { detail: problem } };
    const callback = typeof body.callback_url === 'string' ? body.callback_url : undefined;
    last = base.createJob(String(body.prompt ?? ''), body, callback);
    return { status: 201, json: generation(last, 'queued') };
  };

  const get = async (job: FakeJob | undefined): Promise<Reply> => {
    base.stats.polls += 1;
    const fault = base.takeFault('polls');
    if (fault?.lose && job) base.jobs.delete(job.id);
    const reply = await base.faultReply(fault);
    if (reply) return reply;
    if (!job || fault?.lose) return { status: 404, json: { detail: 'Generation not found' } };
    const phase = base.advance(job);
    if (phase.running) {
      return { status: 200, json: generation(job, phase.index === 0 ? 'queued' : 'dreaming') };
    }
    return { status: 200, json: finalGeneration(job) };
  };

  const base = await startFakeBase({
    errorBody: (_status, message) => ({ detail: message }),
    async route(request) {
      if (request.headers.authorization !== `Bearer ${LUMA_FAKE_KEY}`) {
        return { status: 401, json: { detail: 'Invalid API key' } };
      }
      if (request.path === '/dream-machine/v1/generations' && request.method === 'POST') {
        return create(request);
      }
      const match = /^\/dream-machine\/v1\/generations\/([^/]+)$/.exec(request.path);
      if (match?.[1] && request.method === 'GET') return get(base.jobs.get(match[1]));
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
    callbackFor: async (job) => ({ body: JSON.stringify(finalGeneration(job)), headers: {} }),
  };
}
