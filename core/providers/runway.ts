/**
 * Runway's API (docs.dev.runwayml.com): POST /v1/image_to_video or /v1/text_to_video starts a
 * task, GET /v1/tasks/:id reports it (PENDING, THROTTLED, RUNNING with progress 0–1, SUCCEEDED
 * with output URLs, FAILED with a failureCode, CANCELLED), DELETE /v1/tasks/:id cancels it.
 * Every request carries the X-Runway-Version header. Runway has no callbacks: it is polled.
 * A last frame turns promptImage into [{uri, position: 'first'}, {uri, position: 'last'}].
 */
import { z } from 'zod';
import {
  badResponse,
  createHttp,
  isFailure,
  jobLost,
  parseJson,
  rejected,
  renderFailed,
  safetyRejected,
  statusFailure,
} from './http.ts';
import { imageReference } from './image-input.ts';
import { findModel, unionCapabilities, type CatalogProvider, type ModelCatalog } from './models.ts';
import {
  failure,
  type AspectRatio,
  type PollResult,
  type ProviderClientOptions,
  type ProviderFailure,
  type SubmitResult,
} from './provider.ts';

export interface RunwayOptions extends ProviderClientOptions {
  apiKey: string;
  /** The API version header; Runway pins request and response shapes to it. */
  apiVersion?: string;
  pollAfterMs?: number;
}

export const RUNWAY_API_VERSION = '2024-11-06';

// Runway documents position 'last' in promptImage for gen3a_turbo only; gen4_turbo and gen4.5
// take a first frame alone.
export const RUNWAY_CATALOG: ModelCatalog = {
  defaultModel: 'gen4_turbo',
  models: [
    {
      id: 'gen4_turbo',
      imageToVideo: true,
      textToVideo: false,
      durations: [5, 10],
      ratios: ['16:9', '9:16', '1:1'],
    },
    {
      id: 'gen3a_turbo',
      imageToVideo: true,
      textToVideo: false,
      durations: [5, 10],
      ratios: ['16:9', '9:16'],
      lastFrame: true,
    },
    {
      id: 'gen4.5',
      imageToVideo: true,
      textToVideo: true,
      durations: [2, 3, 4, 5, 6, 7, 8, 9, 10],
      ratios: ['16:9', '9:16'],
    },
  ],
};

// Runway names output sizes, not ratios; each model has its own set.
const RATIO_SIZES: Record<string, Partial<Record<AspectRatio, string>>> = {
  gen4_turbo: { '16:9': '1280:720', '9:16': '720:1280', '1:1': '960:960' },
  gen3a_turbo: { '16:9': '1280:768', '9:16': '768:1280' },
  'gen4.5': { '16:9': '1280:720', '9:16': '720:1280' },
};

const taskSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['PENDING', 'THROTTLED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']),
  progress: z.number().min(0).max(1).nullish(),
  output: z.array(z.url({ protocol: /^https?$/ })).nullish(),
  failure: z.string().nullish(),
  failureCode: z.string().nullish(),
});
const createdSchema = z.object({ id: z.string().min(1) });
const errorSchema = z.object({ error: z.string() });

/** Runway's documented failure codes, by prefix, onto ours. */
export function runwayFailure(code: string | null | undefined, detail?: string | null) {
  const value = code ?? '';
  if (value.startsWith('SAFETY.') || value.startsWith('INPUT_PREPROCESSING.SAFETY')) {
    return safetyRejected();
  }
  if (value === 'ASSET.INVALID') {
    return failure(
      'provider_rejected',
      'Runway could not use the image (unsupported format, size or content).',
      false,
    );
  }
  // INTERNAL.BAD_OUTPUT.*, INPUT_PREPROCESSING.INTERNAL and INTERNAL are worth another try.
  return renderFailed(detail ?? undefined, true);
}

/** A Provider over Runway's API. */
export function createRunwayProvider(options: RunwayOptions): CatalogProvider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? 5000;
  const headers = {
    authorization: `Bearer ${options.apiKey}`,
    'x-runway-version': options.apiVersion ?? RUNWAY_API_VERSION,
    accept: 'application/json',
  };
  const capabilities = unionCapabilities(RUNWAY_CATALOG, {
    imageInput: 'url',
    // Runway fetches URLs of up to 16 MB; data URIs are capped lower, so we hand over URLs.
    maxImageBytes: 16 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
  });

  const failed = (response: Response, text: string): ProviderFailure => {
    const body = errorSchema.safeParse(parseJson(text));
    return statusFailure(response, body.success ? body.data.error : undefined);
  };

  return {
    name: 'runway',
    capabilities,
    catalog: RUNWAY_CATALOG,

    async submit(request): Promise<SubmitResult> {
      const spec = findModel(RUNWAY_CATALOG, request.model);
      const ratio = spec ? RATIO_SIZES[spec.id]?.[request.ratio] : undefined;
      if (!spec || !ratio) return rejected(`unsupported model or ratio for Runway`);
      if (request.lastFrame && !spec.lastFrame) {
        return failure('unsupported_request', `Runway ${spec.id} takes no last frame.`, false);
      }
      if (request.lastFrame && !request.image) {
        throw new TypeError('Runway needs the first image along with the last frame');
      }
      const body: Record<string, unknown> = {
        model: spec.id,
        promptText: request.prompt,
        ratio,
        duration: request.durationSeconds,
      };
      if (request.image) {
        const image = imageReference(request.image, capabilities, 'Runway');
        if (!image.ok) return image;
        const last = request.lastFrame
          ? imageReference(request.lastFrame, capabilities, 'Runway')
          : undefined;
        if (last && !last.ok) return last;
        body.promptImage = last
          ? [
              { uri: image.value, position: 'first' },
              { uri: last.value, position: 'last' },
            ]
          : image.value;
      }
      // LIMITATION: Runway takes no idempotency key; a submit retried after a lost answer can
      // start a second (paid) task.
      const path = request.image ? '/v1/image_to_video' : '/v1/text_to_video';

      const result = await http.exchange(path, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (isFailure(result)) return result;
      if (!result.response.ok) return failed(result.response, result.text);
      const created = createdSchema.safeParse(parseJson(result.text));
      if (!created.success) return badResponse('submit response');
      return { ok: true, jobId: created.data.id, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const result = await http.exchange(`/v1/tasks/${encodeURIComponent(jobId)}`, { headers });
      if (isFailure(result)) return result;
      if (result.response.status === 404) return jobLost();
      if (!result.response.ok) return failed(result.response, result.text);
      const task = taskSchema.safeParse(parseJson(result.text));
      if (!task.success) return badResponse('task status');

      const { status, progress, output } = task.data;
      switch (status) {
        case 'PENDING':
        case 'THROTTLED':
          // THROTTLED: Runway queued the task behind the account's concurrency limit.
          return { ok: true, state: 'running', progress: 0, pollAfterMs };
        case 'RUNNING':
          return {
            ok: true,
            state: 'running',
            progress: progress == null ? null : Math.round(progress * 100),
            pollAfterMs,
          };
        case 'SUCCEEDED': {
          const url = output?.[0];
          if (!url) return badResponse('result without a video');
          return { ok: true, state: 'succeeded', video: { url, contentType: 'video/mp4' } };
        }
        case 'FAILED':
          return runwayFailure(task.data.failureCode, task.data.failure);
        case 'CANCELLED':
          return failure('provider_canceled', 'The job was canceled at Runway.', false);
      }
    },

    async cancel(jobId) {
      await http.exchange(`/v1/tasks/${encodeURIComponent(jobId)}`, {
        method: 'DELETE',
        headers,
      });
    },

    download: (video) => http.download(video),
  };
}
