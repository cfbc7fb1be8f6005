/**
 * Luma Dream Machine (docs.lumalabs.ai): POST /dream-machine/v1/generations starts a video
 * generation (the first image as keyframes.frame0, the last as keyframes.frame1, an optional
 * callback_url), GET .../generations/:id
 * reports it: queued, dreaming, completed (assets.video) or failed (failure_reason). Luma calls
 * the callback_url with the generation on every state change; it signs nothing.
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
  type SubmitResult,
} from './provider.ts';

export interface LumaOptions extends ProviderClientOptions {
  apiKey: string;
  pollAfterMs?: number;
}

const RATIOS = ['16:9', '9:16', '1:1'] as const;

export const LUMA_CATALOG: ModelCatalog = {
  defaultModel: 'ray-2',
  models: [
    {
      id: 'ray-2',
      imageToVideo: true,
      textToVideo: true,
      durations: [5, 9],
      ratios: RATIOS,
      lastFrame: true,
    },
    {
      id: 'ray-flash-2',
      imageToVideo: true,
      textToVideo: true,
      durations: [5, 9],
      ratios: RATIOS,
      lastFrame: true,
    },
  ],
};

const generationSchema = z.object({
  id: z.string().min(1),
  state: z.enum(['queued', 'dreaming', 'completed', 'failed']),
  failure_reason: z.string().nullish(),
  assets: z.object({ video: z.url({ protocol: /^https?$/ }).nullish() }).nullish(),
});
const errorSchema = z.object({ detail: z.unknown() });

// LIMITATION: Luma's failure_reason is a sentence; moderation is told apart by its wording.
// Luma takes no idempotency key and has no cancel (only DELETE of a finished generation).
const MODERATION_WORDS = /moderation|not allowed|safety|nsfw|inappropriate/i;

function detailText(text: string): string | undefined {
  const parsed = errorSchema.safeParse(parseJson(text));
  return parsed.success && typeof parsed.data.detail === 'string' ? parsed.data.detail : undefined;
}

/** A Provider over Luma's Dream Machine API. */
export function createLumaProvider(options: LumaOptions): CatalogProvider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? 8000;
  const headers = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
  const capabilities = unionCapabilities(LUMA_CATALOG, {
    imageInput: 'url',
    maxImageBytes: 10 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png'],
  });

  return {
    name: 'luma',
    capabilities,
    catalog: LUMA_CATALOG,

    async submit(request): Promise<SubmitResult> {
      const spec = findModel(LUMA_CATALOG, request.model);
      if (!spec) return rejected('unsupported model for Luma');
      if (request.lastFrame && !spec.lastFrame) {
        return failure('unsupported_request', `Luma ${spec.id} takes no last frame.`, false);
      }
      if (request.lastFrame && !request.image) {
        throw new TypeError('Luma needs the first image along with the last frame');
      }
      const body: Record<string, unknown> = {
        prompt: request.prompt,
        model: spec.id,
        aspect_ratio: request.ratio,
        duration: `${request.durationSeconds}s`,
        resolution: '720p',
        ...(request.callbackUrl ? { callback_url: request.callbackUrl } : {}),
      };
      if (request.image) {
        const image = imageReference(request.image, capabilities, 'Luma');
        if (!image.ok) return image;
        const keyframes: Record<string, unknown> = { frame0: { type: 'image', url: image.value } };
        if (request.lastFrame) {
          const last = imageReference(request.lastFrame, capabilities, 'Luma');
          if (!last.ok) return last;
          keyframes.frame1 = { type: 'image', url: last.value };
        }
        body.keyframes = keyframes;
      }

      const result = await http.exchange('/dream-machine/v1/generations', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (isFailure(result)) return result;
      const { response, text } = result;
      if (!response.ok) {
        const detail = detailText(text);
        if (response.status === 400 && MODERATION_WORDS.test(detail ?? '')) {
          return safetyRejected();
        }
        return statusFailure(response, detail);
      }
      const generation = generationSchema.safeParse(parseJson(text));
      if (!generation.success) return badResponse('submit response');
      return { ok: true, jobId: generation.data.id, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const path = `/dream-machine/v1/generations/${encodeURIComponent(jobId)}`;
      const result = await http.exchange(path, { headers });
      if (isFailure(result)) return result;
      const { response, text } = result;
      if (response.status === 404) return jobLost();
      if (!response.ok) return statusFailure(response, detailText(text));
      const parsed = generationSchema.safeParse(parseJson(text));
      if (!parsed.success) return badResponse('generation status');

      const generation = parsed.data;
      switch (generation.state) {
        case 'queued':
          return { ok: true, state: 'running', progress: 0, pollAfterMs };
        case 'dreaming':
          // Luma reports no percentage.
          return { ok: true, state: 'running', progress: null, pollAfterMs };
        case 'completed': {
          const url = generation.assets?.video;
          if (!url) return badResponse('result without a video');
          return { ok: true, state: 'succeeded', video: { url, contentType: 'video/mp4' } };
        }
        case 'failed':
          if (MODERATION_WORDS.test(generation.failure_reason ?? '')) return safetyRejected();
          return renderFailed(generation.failure_reason ?? undefined, true);
      }
    },

    download: (video) => http.download(video),
  };
}
