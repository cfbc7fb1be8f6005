/**
 * Kling's API (app.klingai.com/global/dev/document-api): POST /v1/videos/image2video or
 * /v1/videos/text2video starts a task (our task id as external_task_id, an optional
 * callback_url, on image2video the last frame as image_tail), GET
 * /v1/videos/<kind>/<task_id> reports it: submitted, processing, succeed
 * (task_result.videos[].url) or failed (task_status_msg). Every answer is wrapped in
 * {code, message, request_id, data}; a non-zero code names the error. Auth: a JWT (kling-jwt.ts).
 */
import { z } from 'zod';
import {
  authFailed,
  badResponse,
  createHttp,
  isFailure,
  jobLost,
  outOfCredit,
  parseJson,
  parseRetryAfter,
  rateLimited,
  rejected,
  renderFailed,
  safetyRejected,
  statusFailure,
  unavailable,
} from './http.ts';
import { imageReference } from './image-input.ts';
import { klingTokenSource } from './kling-jwt.ts';
import { findModel, unionCapabilities, type CatalogProvider, type ModelCatalog } from './models.ts';
import {
  failure,
  type PollResult,
  type ProviderClientOptions,
  type ProviderFailure,
  type SubmitResult,
} from './provider.ts';

export interface KlingOptions extends ProviderClientOptions {
  accessKey: string;
  secretKey: string;
  pollAfterMs?: number;
  now?: () => number;
}

const ALL_RATIOS = ['16:9', '9:16', '1:1'] as const;

// Kling's capability map lists start/end frames (image_tail) only in pro mode, for kling-v1-6
// and kling-v2-1 (5 s and 10 s); kling-v2-master has none.
export const KLING_CATALOG: ModelCatalog = {
  defaultModel: 'kling-v2-1',
  models: [
    {
      id: 'kling-v2-1',
      imageToVideo: true,
      textToVideo: false,
      durations: [5, 10],
      ratios: ALL_RATIOS,
      lastFrame: true,
    },
    {
      id: 'kling-v2-master',
      imageToVideo: true,
      textToVideo: true,
      durations: [5, 10],
      ratios: ALL_RATIOS,
    },
    {
      id: 'kling-v1-6',
      imageToVideo: true,
      textToVideo: true,
      durations: [5, 10],
      ratios: ALL_RATIOS,
      lastFrame: true,
    },
  ],
};

const envelopeSchema = z.object({
  code: z.number(),
  message: z.string().optional(),
  data: z.unknown().optional(),
});
const taskSchema = z.object({
  task_id: z.string().min(1),
  task_status: z.enum(['submitted', 'processing', 'succeed', 'failed']),
  task_status_msg: z.string().nullish(),
  task_result: z
    .object({ videos: z.array(z.object({ url: z.url({ protocol: /^https?$/ }) })).optional() })
    .nullish(),
});

/** Kling's documented business codes onto ours. */
export function klingCodeFailure(
  code: number,
  message: string | undefined,
  response: Response,
): ProviderFailure {
  if (code >= 1000 && code <= 1004) return authFailed();
  if (code === 1100 || code === 1103 || code === 1304) return authFailed();
  if (code === 1101 || code === 1102) return outOfCredit();
  if (code === 1300 || code === 1301) return safetyRejected();
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  if (code === 1302 || code === 1303) return rateLimited(retryAfterMs);
  if (code === 1203) return jobLost();
  if (code >= 1200 && code < 1300) return rejected(message);
  if (code >= 5000 && code < 6000) return unavailable(response.status, retryAfterMs);
  return statusFailure(response, message);
}

// LIMITATION: Kling reports a failed task with a sentence only; moderation is told apart by
// its wording, so an unusual phrasing is retried as a render failure.
const MODERATION_WORDS = /risk control|safety|sensitive|content polic|moderation/i;

const kindOf = (jobId: string) => (jobId.startsWith('t2v:') ? 'text2video' : 'image2video');

/** A Provider over Kling's API. Job ids are `i2v:<task_id>` or `t2v:<task_id>`. */
export function createKlingProvider(options: KlingOptions): CatalogProvider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? 10_000;
  const token = klingTokenSource(options.accessKey, options.secretKey, options.now);
  const capabilities = unionCapabilities(KLING_CATALOG, {
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png'],
  });

  /** One call; the `data` of a code-0 answer, or the failure. */
  const call = async (path: string, init: RequestInit): Promise<unknown | ProviderFailure> => {
    const headers = { authorization: `Bearer ${await token()}`, accept: 'application/json' };
    const result = await http.exchange(path, { ...init, headers: { ...headers, ...init.headers } });
    if (isFailure(result)) return result;
    const envelope = envelopeSchema.safeParse(parseJson(result.text));
    if (!envelope.success) {
      return result.response.ok ? badResponse('response') : statusFailure(result.response);
    }
    const { code, message, data } = envelope.data;
    if (code !== 0 || !result.response.ok) {
      return klingCodeFailure(code, message, result.response);
    }
    return data;
  };

  const parseTask = (data: unknown) => {
    const task = taskSchema.safeParse(data);
    return task.success ? task.data : null;
  };

  return {
    name: 'kling',
    capabilities,
    catalog: KLING_CATALOG,

    async submit(request): Promise<SubmitResult> {
      const spec = findModel(KLING_CATALOG, request.model);
      if (!spec) return rejected('unsupported model for Kling');
      if (request.lastFrame && !spec.lastFrame) {
        return failure('unsupported_request', `Kling ${spec.id} takes no last frame.`, false);
      }
      if (request.lastFrame && !request.image) {
        throw new TypeError('Kling needs the first image along with the last frame');
      }
      const body: Record<string, unknown> = {
        model_name: spec.id,
        prompt: request.prompt,
        // image_tail needs pro mode, which bills more (costs.ts has its `:last_frame` rates).
        mode: request.lastFrame ? 'pro' : 'std',
        duration: String(request.durationSeconds),
        // LIMITATION: Kling refuses a second task with the same external_task_id; a submit
        // retried after a lost answer fails instead of finding the first task (no lookup by
        // external id yet).
        external_task_id: request.idempotencyKey,
        ...(request.callbackUrl ? { callback_url: request.callbackUrl } : {}),
      };
      if (request.image) {
        const image = imageReference(request.image, capabilities, 'Kling');
        if (!image.ok) return image;
        body.image = image.value;
        if (request.lastFrame) {
          const last = imageReference(request.lastFrame, capabilities, 'Kling');
          if (!last.ok) return last;
          body.image_tail = last.value;
        }
      } else {
        body.aspect_ratio = request.ratio;
      }
      const kind = request.image ? 'image2video' : 'text2video';

      const data = await call(`/v1/videos/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (isProviderFailure(data)) return data;
      const task = parseTask(data);
      if (!task) return badResponse('submit response');
      const prefix = request.image ? 'i2v' : 't2v';
      return { ok: true, jobId: `${prefix}:${task.task_id}`, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const id = jobId.replace(/^(i2v|t2v):/, '');
      const data = await call(`/v1/videos/${kindOf(jobId)}/${encodeURIComponent(id)}`, {});
      if (isProviderFailure(data)) {
        return data;
      }
      const task = parseTask(data);
      if (!task) return badResponse('task status');
      switch (task.task_status) {
        case 'submitted':
          return { ok: true, state: 'running', progress: 0, pollAfterMs };
        case 'processing':
          // Kling reports no percentage.
          return { ok: true, state: 'running', progress: null, pollAfterMs };
        case 'succeed': {
          const url = task.task_result?.videos?.[0]?.url;
          if (!url) return badResponse('result without a video');
          return { ok: true, state: 'succeeded', video: { url, contentType: 'video/mp4' } };
        }
        case 'failed':
          if (MODERATION_WORDS.test(task.task_status_msg ?? '')) return safetyRejected();
          return renderFailed(task.task_status_msg ?? undefined, true);
      }
    },

    download: (video) => http.download(video),
  };
}

function isProviderFailure(value: unknown): value is ProviderFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    'ok' in value &&
    (value as { ok: unknown }).ok === false &&
    'code' in value
  );
}
