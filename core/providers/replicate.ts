/**
 * Replicate predictions (replicate.com/docs/reference/http): POST /v1/models/<owner>/<name>/
 * predictions creates one (optionally with a webhook, filtered to `completed`), GET
 * /v1/predictions/<id> reports starting, processing (logs carry a tqdm percentage),
 * succeeded (output URL), failed (error) or canceled; POST /v1/predictions/<id>/cancel cancels.
 * Output files expire an hour after the prediction finishes, so they are copied at once.
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
  type PollResult,
  type ProviderClientOptions,
  type SubmitRequest,
  type SubmitResult,
} from './provider.ts';

export interface ReplicateOptions extends ProviderClientOptions {
  apiToken: string;
  /** Ask for webhooks only when their signing secret is configured to verify them. */
  webhooks?: boolean;
  pollAfterMs?: number;
}

export const REPLICATE_CATALOG: ModelCatalog = {
  defaultModel: 'kwaivgi/kling-v1.6-standard',
  models: [
    {
      id: 'kwaivgi/kling-v1.6-standard',
      imageToVideo: true,
      textToVideo: true,
      durations: [5, 10],
      ratios: ['16:9', '9:16', '1:1'],
    },
    {
      id: 'minimax/video-01',
      imageToVideo: true,
      textToVideo: true,
      durations: [6],
      ratios: ['16:9'],
    },
    {
      id: 'google/veo-3-fast',
      imageToVideo: true,
      textToVideo: true,
      durations: [8],
      ratios: ['16:9', '9:16'],
    },
  ],
};

const predictionSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted']),
  output: z.union([z.string(), z.array(z.string()), z.null()]).optional(),
  error: z.unknown().optional(),
  logs: z.string().nullish(),
});
const problemSchema = z.object({ detail: z.string().optional(), title: z.string().optional() });

// LIMITATION: Replicate's errors are model-specific sentences; moderation is told apart by its
// wording. Replicate takes no idempotency key, so a retried submit can start a second job.
const MODERATION_WORDS = /nsfw|sensitive|safety|flagged|content polic/i;

/** The last tqdm-style percentage in the prediction's logs, if any. */
export function progressFromLogs(logs: string | null | undefined): number | null {
  const lines = (logs ?? '').split('\n').reverse();
  for (const line of lines) {
    const match = /^\s*(\d{1,3})%\|/.exec(line);
    if (match?.[1]) return Math.min(100, Number(match[1]));
  }
  return null;
}

function modelInput(modelId: string, request: SubmitRequest, image: string | undefined) {
  const input: Record<string, unknown> = { prompt: request.prompt };
  if (modelId === 'minimax/video-01') {
    if (image !== undefined) input.first_frame_image = image;
    input.prompt_optimizer = true;
  } else if (modelId === 'kwaivgi/kling-v1.6-standard') {
    if (image !== undefined) input.start_image = image;
    input.duration = request.durationSeconds;
    input.aspect_ratio = request.ratio;
  } else {
    if (image !== undefined) input.image = image;
    input.aspect_ratio = request.ratio;
  }
  return input;
}

/** A Provider over Replicate's predictions API. */
export function createReplicateProvider(options: ReplicateOptions): CatalogProvider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? 5000;
  const headers = { authorization: `Bearer ${options.apiToken}`, accept: 'application/json' };
  const capabilities = unionCapabilities(REPLICATE_CATALOG, {
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
  });
  const problem = (response: Response, text: string) => {
    const parsed = problemSchema.safeParse(parseJson(text));
    return statusFailure(response, parsed.success ? parsed.data.detail : undefined);
  };

  return {
    name: 'replicate',
    capabilities,
    catalog: REPLICATE_CATALOG,

    async submit(request): Promise<SubmitResult> {
      const spec = findModel(REPLICATE_CATALOG, request.model);
      if (!spec) return rejected('unsupported model for Replicate');
      let image: string | undefined;
      if (request.image) {
        const reference = imageReference(request.image, capabilities, 'Replicate');
        if (!reference.ok) return reference;
        image = reference.value;
      }
      const webhook =
        options.webhooks && request.callbackUrl
          ? { webhook: request.callbackUrl, webhook_events_filter: ['completed'] }
          : {};

      const sent = await http.exchange(`/v1/models/${spec.id}/predictions`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ input: modelInput(spec.id, request, image), ...webhook }),
      });
      if (isFailure(sent)) return sent;
      if (!sent.response.ok) return problem(sent.response, sent.text);
      const prediction = predictionSchema.safeParse(parseJson(sent.text));
      if (!prediction.success) return badResponse('submit response');
      return { ok: true, jobId: prediction.data.id, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const fetched = await http.exchange(`/v1/predictions/${encodeURIComponent(jobId)}`, {
        headers,
      });
      if (isFailure(fetched)) return fetched;
      if (fetched.response.status === 404) return jobLost();
      if (!fetched.response.ok) return problem(fetched.response, fetched.text);
      const parsed = predictionSchema.safeParse(parseJson(fetched.text));
      if (!parsed.success) return badResponse('prediction status');

      const prediction = parsed.data;
      switch (prediction.status) {
        case 'starting':
          return { ok: true, state: 'running', progress: 0, pollAfterMs };
        case 'processing':
          return {
            ok: true,
            state: 'running',
            progress: progressFromLogs(prediction.logs),
            pollAfterMs,
          };
        case 'succeeded': {
          const output = prediction.output;
          const url = Array.isArray(output) ? output[0] : output;
          if (!url || !/^https?:\/\//.test(url)) return badResponse('result without a video');
          return { ok: true, state: 'succeeded', video: { url, contentType: 'video/mp4' } };
        }
        case 'failed': {
          const error = typeof prediction.error === 'string' ? prediction.error : undefined;
          if (MODERATION_WORDS.test(error ?? '')) return safetyRejected();
          return renderFailed(error, true);
        }
        case 'canceled':
        case 'aborted':
          return failure('provider_canceled', 'The job was canceled at Replicate.', false);
      }
    },

    async cancel(jobId) {
      await http.exchange(`/v1/predictions/${encodeURIComponent(jobId)}/cancel`, {
        method: 'POST',
        headers,
      });
    },

    download: (video) => http.download(video),
  };
}
