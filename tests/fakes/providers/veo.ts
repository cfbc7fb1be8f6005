// Veo through the Gemini API as documented: POST /v1beta/models/<model>:predictLongRunning
// (instances[0].image and, on Veo 3.1 only, instances[0].lastFrame as {bytesBase64Encoded,
// mimeType}) answers an operation name; GET /v1beta/<name> answers {done: false} until done,
// then the response (generateVideoResponse.generatedSamples[].video.uri) or an error; the video
// URI answers only with the API key (x-goog-api-key), by a redirect to a signed file URL.
import {
  startFakeBase,
  type FakeJob,
  type FakeRequest,
  type ProviderFake,
  type Reply,
} from './base.ts';

export const GEMINI_FAKE_KEY = 'AIza-gemini-test-key';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const LAST_FRAME_MODELS = new Set(['veo-3.1-generate-preview', 'veo-3.1-fast-generate-preview']);

const invalidArgument = (message: string): Reply => ({
  status: 400,
  json: { error: { code: 400, message, status: 'INVALID_ARGUMENT' } },
});

const isImage = (value: unknown): boolean => {
  const { bytesBase64Encoded, mimeType } = (value ?? {}) as Record<string, unknown>;
  return (
    typeof bytesBase64Encoded === 'string' &&
    /^[A-Za-z0-9+/]+={0,2}$/.test(bytesBase64Encoded) &&
    typeof mimeType === 'string' &&
    mimeType.startsWith('image/')
  );
};

/** Why Gemini would refuse this instance's frames, or undefined when they are well formed. */
function framesProblem(model: string, instance: Record<string, unknown>): string | undefined {
  if (instance.image !== undefined && !isImage(instance.image)) {
    return 'instances[0].image needs bytesBase64Encoded and mimeType';
  }
  if (instance.lastFrame === undefined) return undefined;
  if (!LAST_FRAME_MODELS.has(model)) return `lastFrame isn't supported by ${model}`;
  if (!isImage(instance.lastFrame)) {
    return 'instances[0].lastFrame needs bytesBase64Encoded and mimeType';
  }
  if (instance.image === undefined) return 'lastFrame must be used together with image';
  return undefined;
}

/** Starts a fake Gemini API for Veo. */
export async function startVeoFake(): Promise<ProviderFake> {
  let last: FakeJob | undefined;
  const keyOk = (request: FakeRequest) => request.headers['x-goog-api-key'] === GEMINI_FAKE_KEY;

  const create = async (request: FakeRequest, model: string): Promise<Reply> => {
    base.stats.submissions += 1;
    const fault = await base.faultReply(base.takeFault('submits'));
    if (fault) return fault;
    const body = (request.json ?? {}) as { instances?: Record<string, unknown>[] };
    const instance = body.instances?.[0] ?? {};
    const prompt = instance.prompt;
    if (typeof prompt !== 'string') return invalidArgument('instances[0].prompt is required');
    const problem = framesProblem(model, instance);
    if (problem) return invalidArgument(problem);
    last = base.createJob(prompt, body as Record<string, unknown>);
    last.extra.name = `models/${model}/operations/${last.id}`;
    return { status: 200, json: { name: last.extra.name } };
  };

  const operation = async (job: FakeJob | undefined): Promise<Reply> => {
    base.stats.polls += 1;
    const fault = base.takeFault('polls');
    if (fault?.lose && job) base.jobs.delete(job.id);
    const reply = await base.faultReply(fault);
    if (reply) return reply;
    if (!job || fault?.lose) {
      return {
        status: 404,
        json: { error: { code: 404, message: 'Operation not found', status: 'NOT_FOUND' } },
      };
    }
    const name = job.extra.name;
    const phase = base.advance(job);
    if (phase.running) return { status: 200, json: { name, metadata: {} } };
    const { outcome } = phase;
    if (outcome.status === 'succeeded') {
      const uri = `${base.url}/v1beta/files/${job.id}:download?alt=media`;
      return {
        status: 200,
        json: {
          name,
          done: true,
          response: {
            '@type':
              'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse',
            generateVideoResponse: { generatedSamples: [{ video: { uri } }] },
          },
        },
      };
    }
    if (outcome.code === 'RAI_FILTERED') {
      return {
        status: 200,
        json: {
          name,
          done: true,
          response: {
            generateVideoResponse: {
              raiMediaFilteredCount: 1,
              raiMediaFilteredReasons: [outcome.message ?? 'filtered'],
            },
          },
        },
      };
    }
    return {
      status: 200,
      json: {
        name,
        done: true,
        error: {
          code: 13,
          message: outcome.message ?? 'failed',
          status: String(outcome.code ?? 'INTERNAL'),
        },
      },
    };
  };

  const base = await startFakeBase({
    errorBody: (status, message) => ({
      error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' },
    }),
    async route(request) {
      if (!keyOk(request)) {
        return {
          status: 403,
          json: { error: { code: 403, message: 'API key not valid', status: 'PERMISSION_DENIED' } },
        };
      }
      const create_ = /^\/v1beta\/models\/([^/:]+):predictLongRunning$/.exec(request.path);
      if (create_?.[1] && request.method === 'POST') return create(request, create_[1]);
      const get = /^\/v1beta\/models\/[^/]+\/operations\/([^/]+)$/.exec(request.path);
      if (get?.[1] && request.method === 'GET') return operation(base.jobs.get(get[1]));
      const file = /^\/v1beta\/files\/([^/:]+):download$/.exec(request.path);
      if (file?.[1] && request.method === 'GET') {
        // The file itself sits behind a signed URL (the shared file route), as on Google's side.
        return { status: 302, headers: { location: base.videoUrl({ id: file[1] } as FakeJob) } };
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
