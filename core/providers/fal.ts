/**
 * fal's queue API (docs.fal.ai/model-endpoints/queue): POST /<model_id> queues a request
 * (optionally ?fal_webhook=<url>), GET /<app>/requests/<id>/status reports IN_QUEUE (with
 * queue_position), IN_PROGRESS or COMPLETED, GET /<app>/requests/<id> returns the model's output,
 * PUT /<app>/requests/<id>/cancel cancels a queued request. <app> is the model id without its
 * subpath (its first two segments). Pika, Kling and Veo are reached through it by model id.
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
import type {
  PollResult,
  ProviderClientOptions,
  ProviderFailure,
  SubmitRequest,
  SubmitResult,
} from './provider.ts';

export interface FalOptions extends ProviderClientOptions {
  apiKey: string;
  pollAfterMs?: number;
}

export const FAL_CATALOG: ModelCatalog = {
  defaultModel: 'fal-ai/kling-video/v2.1/standard/image-to-video',
  models: [
    {
      id: 'fal-ai/kling-video/v2.1/standard/image-to-video',
      imageToVideo: true,
      textToVideo: false,
      durations: [5, 10],
      ratios: ['16:9', '9:16', '1:1'],
    },
    {
      id: 'fal-ai/kling-video/v1.6/standard/text-to-video',
      imageToVideo: false,
      textToVideo: true,
      durations: [5, 10],
      ratios: ['16:9', '9:16', '1:1'],
    },
    {
      id: 'fal-ai/pika/v2.2/image-to-video',
      imageToVideo: true,
      textToVideo: false,
      durations: [5, 10],
      ratios: ['16:9', '9:16', '1:1'],
    },
    {
      id: 'fal-ai/pika/v2.2/text-to-video',
      imageToVideo: false,
      textToVideo: true,
      durations: [5, 10],
      ratios: ['16:9', '9:16', '1:1'],
    },
    {
      id: 'fal-ai/veo3/fast',
      imageToVideo: false,
      textToVideo: true,
      durations: [8],
      ratios: ['16:9', '9:16'],
    },
  ],
};

const queuedSchema = z.object({ request_id: z.string().min(1) });
const statusSchema = z.object({
  status: z.enum(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']),
  queue_position: z.number().nullish(),
  error: z.string().nullish(),
  error_type: z.string().nullish(),
});
const outputSchema = z.object({
  video: z.object({ url: z.url({ protocol: /^https?$/ }), content_type: z.string().nullish() }),
});
const detailSchema = z.object({ detail: z.unknown() });

/** The model's input, in the field names that model documents. */
function modelInput(modelId: string, request: SubmitRequest, image: string | undefined) {
  const input: Record<string, unknown> = { prompt: request.prompt };
  if (image !== undefined) input.image_url = image;
  if (modelId.startsWith('fal-ai/kling-video/')) {
    input.duration = String(request.durationSeconds);
    if (image === undefined) input.aspect_ratio = request.ratio;
  } else if (modelId.startsWith('fal-ai/pika/')) {
    input.duration = request.durationSeconds;
    input.resolution = '720p';
    if (image === undefined) input.aspect_ratio = request.ratio;
  } else {
    input.duration = `${request.durationSeconds}s`;
    input.aspect_ratio = request.ratio;
  }
  return input;
}

/** fal's error bodies: `{detail: string}` or validation `{detail: [{msg, type}]}`. */
function detailFailure(response: Response, text: string): ProviderFailure {
  const parsed = detailSchema.safeParse(parseJson(text));
  const detail = parsed.success ? parsed.data.detail : undefined;
  const items = Array.isArray(detail) ? (detail as { type?: unknown; msg?: unknown }[]) : [];
  if (items.some((item) => item.type === 'content_policy_violation')) return safetyRejected();
  const sentence = typeof detail === 'string' ? detail : String(items[0]?.msg ?? '');
  return statusFailure(response, sentence || undefined);
}

const appOf = (modelId: string) => modelId.split('/').slice(0, 2).join('/');

/** A Provider over fal's queue. Job ids are `<app>#<request_id>`. */
export function createFalProvider(options: FalOptions): CatalogProvider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? 5000;
  const headers = { authorization: `Key ${options.apiKey}`, accept: 'application/json' };
  const capabilities = unionCapabilities(FAL_CATALOG, {
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
  });
  const split = (jobId: string) => {
    const at = jobId.indexOf('#');
    return { app: jobId.slice(0, at), id: encodeURIComponent(jobId.slice(at + 1)) };
  };

  const result = async (app: string, id: string): Promise<PollResult> => {
    const fetched = await http.exchange(`/${app}/requests/${id}`, { headers });
    if (isFailure(fetched)) return fetched;
    if (!fetched.response.ok) return detailFailure(fetched.response, fetched.text);
    const output = outputSchema.safeParse(parseJson(fetched.text));
    if (!output.success) return badResponse('result');
    const { url, content_type: contentType } = output.data.video;
    return {
      ok: true,
      state: 'succeeded',
      video: { url, contentType: contentType ?? 'video/mp4' },
    };
  };

  return {
    name: 'fal',
    capabilities,
    catalog: FAL_CATALOG,

    async submit(request): Promise<SubmitResult> {
      const spec = findModel(FAL_CATALOG, request.model);
      if (!spec) return rejected('unsupported model for fal');
      let image: string | undefined;
      if (request.image) {
        const reference = imageReference(request.image, capabilities, 'fal');
        if (!reference.ok) return reference;
        image = reference.value;
      }
      const query = request.callbackUrl
        ? `?${new URLSearchParams({ fal_webhook: request.callbackUrl }).toString()}`
        : '';

      const sent = await http.exchange(`/${spec.id}${query}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(modelInput(spec.id, request, image)),
      });
      if (isFailure(sent)) return sent;
      if (!sent.response.ok) return detailFailure(sent.response, sent.text);
      const queued = queuedSchema.safeParse(parseJson(sent.text));
      if (!queued.success) return badResponse('submit response');
      return { ok: true, jobId: `${appOf(spec.id)}#${queued.data.request_id}`, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const { app, id } = split(jobId);
      const fetched = await http.exchange(`/${app}/requests/${id}/status`, { headers });
      if (isFailure(fetched)) return fetched;
      if (fetched.response.status === 404) return jobLost();
      if (!fetched.response.ok) return detailFailure(fetched.response, fetched.text);
      const status = statusSchema.safeParse(parseJson(fetched.text));
      if (!status.success) return badResponse('status');

      switch (status.data.status) {
        case 'IN_QUEUE':
          // LIMITATION: queue_position is not passed on: the port's running state has no field
          // for it, so the chat shows 0 % until the request starts.
          return { ok: true, state: 'running', progress: 0, pollAfterMs };
        case 'IN_PROGRESS':
          return { ok: true, state: 'running', progress: null, pollAfterMs };
        case 'COMPLETED':
          if (status.data.error_type === 'content_policy_violation') return safetyRejected();
          if (status.data.error) return renderFailed(status.data.error, true);
          return result(app, id);
      }
    },

    async cancel(jobId) {
      const { app, id } = split(jobId);
      await http.exchange(`/${app}/requests/${id}/cancel`, { method: 'PUT', headers });
    },

    download: (video) => http.download(video),
  };
}
