/**
 * Client of the `local` ffmpeg provider (wire format documented in local-provider/server.ts).
 * Every fault of the provider or the network comes back as a ProviderFailure value.
 */
import { z } from 'zod';
import {
  badResponse,
  createHttp,
  isFailure,
  jobLost,
  parseJson,
  safetyRejected,
  SAFETY_MESSAGE,
  statusFailure,
  dataUri,
  withDetail,
} from './http.ts';
import {
  ASPECT_RATIOS,
  failure,
  type PollResult,
  type Provider,
  type ProviderCapabilities,
  type ProviderClientOptions,
  type ProviderFailure,
  type ProviderImage,
  type SubmitResult,
} from './provider.ts';

// Re-exported so existing imports of these helpers keep working.
export { DownloadStalledError, parseRetryAfter } from './http.ts';

export interface LocalProviderOptions extends ProviderClientOptions {
  /** How long to wait between polls; the local provider renders in seconds. */
  pollAfterMs?: number;
}

const INPUT_CODES = new Set(['bad_request', 'unsupported_image']);
const DEFAULT_POLL_AFTER_MS = 1000;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export const LOCAL_CAPABILITIES: ProviderCapabilities = {
  imageToVideo: true,
  textToVideo: true,
  durations: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  ratios: ASPECT_RATIOS,
  imageInput: 'data_uri',
  maxImageBytes: MAX_IMAGE_BYTES,
  imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
  lastFrame: true,
};

const wireErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string().optional(),
  retryable: z.boolean().optional(),
});
type WireError = z.infer<typeof wireErrorSchema>;

const errorBodySchema = z.object({ error: wireErrorSchema });

const generationSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['queued', 'rendering', 'succeeded', 'failed']),
  progress: z.number().min(0).max(100),
  video_url: z.url({ protocol: /^https?$/ }).nullable(),
  error: wireErrorSchema.nullable(),
});
type GenerationBody = z.infer<typeof generationSchema>;

/** The failure for a non-success HTTP status: the local provider names safety rejections. */
function localStatusFailure(response: Response, text: string): ProviderFailure {
  const body = errorBodySchema.safeParse(parseJson(text));
  const error = body.success ? body.data.error : undefined;
  if (response.status < 500 && error?.code === 'safety_rejected') return safetyRejected();
  return statusFailure(response, error?.message);
}

/** The failure a generation reported, honouring its own `retryable` when it gives one. */
function generationFailure(error: WireError | null): ProviderFailure {
  if (error?.code === 'safety_rejected') {
    return failure('safety_rejected', SAFETY_MESSAGE, error.retryable ?? false);
  }
  if (error && INPUT_CODES.has(error.code)) {
    return failure(
      'provider_rejected',
      withDetail('The video provider rejected the input', error.message),
      error.retryable ?? false,
    );
  }
  // A render failure is usually a resource problem on the provider; max_attempts bounds it.
  return failure(
    'render_failed',
    withDetail('The video provider could not render the video', error?.message),
    error?.retryable ?? true,
  );
}

/** The image as the data URI the local provider takes, or why it is refused. */
function encodeImage(image: ProviderImage): string | ProviderFailure {
  const { bytes } = image;
  if (!bytes) {
    // The task service must hand over bytes for a `data_uri` provider: that is a bug, not input.
    throw new TypeError('the local provider needs the image bytes, not a URL');
  }
  if (!LOCAL_CAPABILITIES.imageTypes.includes(image.contentType)) {
    return failure('unsupported_image', 'The local provider takes JPEG, PNG or WebP.', false);
  }
  if (bytes.length > MAX_IMAGE_BYTES) {
    return failure('unsupported_image', 'The image is larger than 10 MB.', false);
  }
  return dataUri({ ...image, bytes });
}

/** A `Provider` that talks to the local ffmpeg provider at `options.baseUrl`. */
export function createLocalProvider(options: LocalProviderOptions): Provider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? DEFAULT_POLL_AFTER_MS;

  const parseGeneration = (text: string): GenerationBody | null => {
    const parsed = generationSchema.safeParse(parseJson(text));
    return parsed.success ? parsed.data : null;
  };

  return {
    name: 'local',
    capabilities: LOCAL_CAPABILITIES,

    async submit(request): Promise<SubmitResult> {
      const image = request.image ? encodeImage(request.image) : undefined;
      if (typeof image === 'object') return image;
      const lastFrame =
        request.image && request.lastFrame ? encodeImage(request.lastFrame) : undefined;
      if (typeof lastFrame === 'object') return lastFrame;
      const body = {
        prompt: request.prompt,
        ...(image === undefined ? {} : { image }),
        ...(lastFrame === undefined ? {} : { last_frame: lastFrame }),
        duration: request.durationSeconds,
        ratio: request.ratio,
        idempotency_key: request.idempotencyKey,
      };

      const result = await http.exchange('/v1/generations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      if (isFailure(result)) return result;
      const { response, text } = result;
      if (response.status !== 200 && response.status !== 201) {
        return localStatusFailure(response, text);
      }

      const generation = parseGeneration(text);
      if (!generation) return badResponse('submit response');
      return { ok: true, jobId: generation.id, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const result = await http.exchange(`/v1/generations/${encodeURIComponent(jobId)}`, {
        headers: { accept: 'application/json' },
      });
      if (isFailure(result)) return result;
      const { response, text } = result;
      if (response.status === 404) return jobLost();
      if (response.status !== 200) return localStatusFailure(response, text);

      const generation = parseGeneration(text);
      if (!generation) return badResponse('status response');
      switch (generation.status) {
        case 'queued':
        case 'rendering':
          return { ok: true, state: 'running', progress: generation.progress, pollAfterMs };
        case 'succeeded':
          if (generation.video_url === null) return badResponse('result without a video');
          return {
            ok: true,
            state: 'succeeded',
            video: { url: generation.video_url, contentType: 'video/mp4' },
          };
        case 'failed':
          return generationFailure(generation.error);
      }
    },

    download: (video) => http.download(video),
  };
}
