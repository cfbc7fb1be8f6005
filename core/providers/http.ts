/**
 * HTTP plumbing every provider client shares: one JSON exchange within a timeout, the mapping of
 * HTTP statuses onto ProviderFailure values, Retry-After, and the streaming video download.
 * Nothing here ever puts a URL, a header or a provider's raw error text into a failure.
 */
import { toBase64 } from '../crypto.ts';
import { failure, type ProviderFailure, type ProviderImage, type VideoResult } from './provider.ts';

export const SAFETY_MESSAGE = 'The provider declined this prompt or image for safety reasons.';

/** The video body stopped arriving mid-download; thrown by the returned stream's reader. */
export class DownloadStalledError extends Error {
  override readonly name = 'DownloadStalledError';
  readonly code = 'provider_timeout';
  constructor(timeoutMs: number) {
    super(`The video provider sent nothing for ${timeoutMs} ms during the download.`);
  }
}

/** A provider-supplied sentence made safe to show: no URLs, no control characters, short. */
export function sanitize(message: string | undefined): string {
  const clean = (message ?? '')
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[link]')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/** `sentence: detail` with the detail sanitized, or `sentence.` when there is none. */
export function withDetail(sentence: string, detail: string | undefined): string {
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

/** JSON.parse that answers undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function badResponse(what: string): ProviderFailure {
  return failure(
    'provider_bad_response',
    `The video provider sent a ${what} we could not read.`,
    true,
  );
}

export function safetyRejected(): ProviderFailure {
  return failure('safety_rejected', SAFETY_MESSAGE, false);
}

export function rateLimited(retryAfterMs?: number): ProviderFailure {
  return failure(
    'rate_limited',
    'The video provider is busy right now; the task will try again shortly.',
    true,
    retryAfterMs === undefined ? {} : { retryAfterMs },
  );
}

export function outOfCredit(): ProviderFailure {
  return failure(
    'provider_out_of_credit',
    'The video provider account has run out of credit; an administrator must top it up.',
    true,
  );
}

export function authFailed(): ProviderFailure {
  return failure(
    'provider_auth_failed',
    'The video provider refused our credentials; an administrator must check them.',
    false,
  );
}

export function unavailable(status?: number, retryAfterMs?: number): ProviderFailure {
  const suffix = status === undefined ? '' : ` (HTTP ${status})`;
  return failure(
    'provider_unavailable',
    `The video provider is temporarily unavailable${suffix}.`,
    true,
    retryAfterMs === undefined ? {} : { retryAfterMs },
  );
}

export function rejected(detail: string | undefined): ProviderFailure {
  return failure(
    'provider_rejected',
    withDetail('The video provider rejected the request', detail),
    false,
  );
}

export function renderFailed(detail: string | undefined, retryable = true): ProviderFailure {
  return failure(
    'render_failed',
    withDetail('The video provider could not render the video', detail),
    retryable,
  );
}

export function jobLost(): ProviderFailure {
  return failure(
    'provider_job_lost',
    'The video provider no longer knows this job; it will be submitted again.',
    true,
    { resubmit: true },
  );
}

export function resultExpired(): ProviderFailure {
  return failure(
    'result_expired',
    'The finished video is no longer available from the provider; it will be made again.',
    true,
    { resubmit: true },
  );
}

/**
 * The failure for a non-success HTTP status, by the status alone; `detail` is the provider's
 * own sentence (sanitized before use) for the statuses that show one.
 */
export function statusFailure(response: Response, detail?: string): ProviderFailure {
  const { status } = response;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  if (status === 429) return rateLimited(retryAfterMs);
  if (status === 408) {
    return failure('provider_timeout', 'The video provider timed out on the request.', true);
  }
  if (status >= 500) return unavailable(status, retryAfterMs);
  if (status === 401 || status === 403) return authFailed();
  if (status === 402) return outOfCredit();
  if (status >= 400) return rejected(detail);
  return badResponse(`response (HTTP ${status})`);
}

/** The image as a `data:` URI; the caller made sure there are bytes. */
export function dataUri(image: ProviderImage & { bytes: Uint8Array }): string {
  return `data:${image.contentType};base64,${toBase64(image.bytes)}`;
}

export interface HttpOptions {
  baseUrl: string;
  fetch?: typeof fetch | undefined;
  /** Per request; 30 s when not given. */
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export interface Exchanged {
  response: Response;
  text: string;
}

export interface Http {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly baseUrl: string;
  /** One exchange within the timeout (body included), or the failure it ended in. */
  exchange(pathOrUrl: string, init?: RequestInit): Promise<Exchanged | ProviderFailure>;
  /** GETs the finished video, streaming, with a stall timeout between chunks. */
  download(video: VideoResult): Promise<Response | ProviderFailure>;
}

/** The shared HTTP client of one provider. */
export function createHttp(options: HttpOptions): Http {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const seconds = Math.ceil(timeoutMs / 1000);
  const timeoutMessage = `The video provider did not answer within ${seconds} s.`;

  return {
    fetch: fetchFn,
    timeoutMs,
    baseUrl,
    async exchange(pathOrUrl, init = {}) {
      const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${baseUrl}${pathOrUrl}`;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await fetchFn(url, { ...init, signal });
        return { response, text: await response.text() };
      } catch {
        // Deliberately no error text: it may echo the URL, a key in it, or the network layout.
        if (signal.aborted) return failure('provider_timeout', timeoutMessage, true);
        return failure('provider_unreachable', 'The video provider could not be reached.', true);
      }
    },
    download: (video) => downloadVideo(video, fetchFn, timeoutMs, timeoutMessage),
  };
}

/** Whether a value returned by `exchange` is a failure rather than a response. */
export function isFailure(value: Exchanged | ProviderFailure): value is ProviderFailure {
  return !('response' in value);
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
  const timer = setTimeout(() => controller.abort(), timeoutMs);

  let response: Response;
  try {
    const secretHeaders = video.headers !== undefined;
    response = await fetchFn(video.url, {
      headers: video.headers ?? {},
      signal: controller.signal,
      // A redirect is followed by hand, without the headers: they may carry an API key.
      ...(secretHeaders ? { redirect: 'manual' as const } : {}),
    });
    const location = response.headers.get('location');
    if (secretHeaders && response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      response = await fetchFn(new URL(location, video.url).toString(), {
        signal: controller.signal,
      });
    }
  } catch {
    if (controller.signal.aborted) return failure('provider_timeout', timeoutMessage, true);
    return failure('provider_unreachable', 'The video provider could not be reached.', true);
  } finally {
    clearTimeout(timer);
  }

  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    // Signed result URLs answer 403 once expired (S3, GCS); others answer 404 or 410.
    if ([403, 404, 410].includes(response.status)) return resultExpired();
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
