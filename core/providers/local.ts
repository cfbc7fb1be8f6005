/**
 * Client of the `local` ffmpeg provider (wire format documented in local-provider/server.ts).
 * Every fault of the provider or the network comes back as a ProviderFailure value.
 */
import { z } from 'zod';
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
  type VideoResult,
} from './provider.ts';

export interface LocalProviderOptions extends ProviderClientOptions {
  /** How long to wait between polls; the local provider renders in seconds. */
  pollAfterMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
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

/** The video body stopped arriving mid-download; thrown by the returned stream's reader. */
export class DownloadStalledError extends Error {
  override readonly name = 'DownloadStalledError';
  readonly code = 'provider_timeout';
  constructor(timeoutMs: number) {
    super(`The video provider sent nothing for ${timeoutMs} ms during the download.`);
  }
}

const SAFETY_MESSAGE = 'The provider declined this prompt or image for safety reasons.';
const INPUT_CODES = new Set(['bad_request', 'unsupported_image']);

/** A provider-supplied sentence made safe to show: no URLs, no control characters, short. */
function sanitize(message: string | undefined): string {
  const clean = (message ?? '')
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[link]')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

function withDetail(sentence: string, detail: string | undefined): string {
  const clean = sanitize(detail);
  return clean === '' ? `${sentence}.` : `${sentence}: ${clean}`;
}

/** Retry-After as milliseconds, from delay-seconds or an HTTP date; undefined when unusable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function badResponse(what: string): ProviderFailure {
  return failure(
    'provider_bad_response',
    `The video provider sent a ${what} we could not read.`,
    true,
  );
}

/** The failure for a non-success HTTP status that no endpoint handles specially. */
function statusFailure(response: Response, text: string): ProviderFailure {
  const { status } = response;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return failure(
      'rate_limited',
      'The video provider is busy right now; the task will try again shortly.',
      true,
      retryAfterMs === undefined ? {} : { retryAfterMs },
    );
  }
  if (status === 408) {
    return failure('provider_timeout', 'The video provider timed out on the request.', true);
  }
  if (status >= 500) {
    return failure(
      'provider_unavailable',
      `The video provider is temporarily unavailable (HTTP ${status}).`,
      true,
    );
  }
  const body = errorBodySchema.safeParse(parseJson(text));
  const error = body.success ? body.data.error : undefined;
  if (error?.code === 'safety_rejected') return failure('safety_rejected', SAFETY_MESSAGE, false);
  if (status >= 400) {
    return failure(
      'provider_rejected',
      withDetail('The video provider rejected the request', error?.message),
      false,
    );
  }
  return badResponse(`response (HTTP ${status})`);
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

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

function imageProblem(image: ProviderImage): ProviderFailure | null {
  if (!image.bytes) {
    // The task service must hand over bytes for a `data_uri` provider: that is a bug, not input.
    throw new TypeError('the local provider needs the image bytes, not a URL');
  }
  if (!LOCAL_CAPABILITIES.imageTypes.includes(image.contentType)) {
    return failure('unsupported_image', 'The local provider takes JPEG, PNG or WebP.', false);
  }
  if (image.bytes.length > MAX_IMAGE_BYTES) {
    return failure('unsupported_image', 'The image is larger than 10 MB.', false);
  }
  return null;
}

/** A `Provider` that talks to the local ffmpeg provider at `options.baseUrl`. */
export function createLocalProvider(options: LocalProviderOptions): Provider {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollAfterMs = options.pollAfterMs ?? DEFAULT_POLL_AFTER_MS;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const seconds = Math.ceil(timeoutMs / 1000);
  const timeoutMessage = `The video provider did not answer within ${seconds} s.`;

  /** One JSON exchange within the timeout (body included), or the failure it ended in. */
  const exchange = async (
    path: string,
    init: RequestInit,
  ): Promise<{ response: Response; text: string } | ProviderFailure> => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetchFn(`${baseUrl}${path}`, { ...init, signal });
      return { response, text: await response.text() };
    } catch {
      // Deliberately no error text: it may echo the URL or the network layout.
      if (signal.aborted) return failure('provider_timeout', timeoutMessage, true);
      return failure('provider_unreachable', 'The video provider could not be reached.', true);
    }
  };

  const parseGeneration = (text: string): GenerationBody | null => {
    const parsed = generationSchema.safeParse(parseJson(text));
    return parsed.success ? parsed.data : null;
  };

  return {
    name: 'local',
    capabilities: LOCAL_CAPABILITIES,

    async submit(request): Promise<SubmitResult> {
      const problem = request.image ? imageProblem(request.image) : null;
      if (problem) return problem;
      const image = request.image?.bytes
        ? `data:${request.image.contentType};base64,${toBase64(request.image.bytes)}`
        : undefined;
      const body = {
        prompt: request.prompt,
        ...(image === undefined ? {} : { image }),
        duration: request.durationSeconds,
        ratio: request.ratio,
        idempotency_key: request.idempotencyKey,
      };

      const result = await exchange('/v1/generations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      if (!('response' in result)) return result;
      const { response, text } = result;
      if (response.status !== 200 && response.status !== 201) return statusFailure(response, text);

      const generation = parseGeneration(text);
      if (!generation) return badResponse('submit response');
      return { ok: true, jobId: generation.id, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const result = await exchange(`/v1/generations/${encodeURIComponent(jobId)}`, {
        headers: { accept: 'application/json' },
      });
      if (!('response' in result)) return result;
      const { response, text } = result;
      if (response.status === 404) {
        return failure(
          'provider_job_lost',
          'The video provider no longer knows this job; it will be submitted again.',
          true,
          { resubmit: true },
        );
      }
      if (response.status !== 200) return statusFailure(response, text);

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

    download: (video) => downloadVideo(video, fetchFn, timeoutMs, timeoutMessage),
  };
}

/**
 * GETs the finished video. The timeout covers the wait for headers and then every stall
 * between chunks, not the whole transfer, so a large video on a slow link still arrives.
 */
async function downloadVideo(
  video: VideoResult,
  fetchFn: typeof fetch,
  timeoutMs: number,
  timeoutMessage: string,
): Promise<Response | ProviderFailure> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    timer = setTimeout(() => controller.abort(), timeoutMs);
  };
  const disarm = (): void => clearTimeout(timer);

  let response: Response;
  arm();
  try {
    response = await fetchFn(video.url, {
      headers: video.headers ?? {},
      signal: controller.signal,
    });
  } catch {
    if (controller.signal.aborted) return failure('provider_timeout', timeoutMessage, true);
    return failure('provider_unreachable', 'The video provider could not be reached.', true);
  } finally {
    disarm();
  }

  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    if ([403, 404, 410].includes(response.status)) {
      return failure(
        'result_expired',
        'The finished video is no longer available from the provider; it will be made again.',
        true,
        { resubmit: true },
      );
    }
    return response.ok ? badResponse('video without a body') : statusFailure(response, text);
  }

  // The clock runs only while waiting on the provider, so a slow reader downstream is never cut.
  const reader = response.body.getReader();
  const watched = new ReadableStream<Uint8Array>({
    async pull(sink) {
      let stallTimer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        stallTimer = setTimeout(() => reject(new DownloadStalledError(timeoutMs)), timeoutMs);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), stalled]);
        if (done) sink.close();
        else sink.enqueue(value);
      } catch (error) {
        controller.abort();
        await reader.cancel(error).catch(() => undefined);
        throw error;
      } finally {
        clearTimeout(stallTimer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(watched, { status: response.status, headers: response.headers });
}
