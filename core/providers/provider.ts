/**
 * The provider port: every video provider (local, Runway, Kling, ...) is a client that turns
 * a submit request into a provider job and reports that job's state when polled.
 * Expected failures are values (`ProviderFailure`), never throws: the task service decides
 * whether to retry from `retryable`.
 */

export type AspectRatio = '16:9' | '9:16' | '1:1';
export const ASPECT_RATIOS: readonly AspectRatio[] = ['16:9', '9:16', '1:1'];

/** How a provider wants the input image handed to it. */
export type ImageInput = 'url' | 'data_uri' | 'base64';

export interface ProviderCapabilities {
  imageToVideo: boolean;
  textToVideo: boolean;
  /** Whole seconds the provider accepts. */
  durations: readonly number[];
  ratios: readonly AspectRatio[];
  imageInput: ImageInput;
  /** Largest image the provider takes, in bytes. */
  maxImageBytes: number;
  imageTypes: readonly ('image/jpeg' | 'image/png' | 'image/webp')[];
  /** Takes a second image the video ends on (first and last frames as keyframes). */
  lastFrame: boolean;
}

export interface ProviderImage {
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  /** Time-limited URL the provider can fetch (only for `imageInput: 'url'`). */
  url?: string;
  /** Raw bytes (for `data_uri` and `base64`). */
  bytes?: Uint8Array;
}

export interface SubmitRequest {
  taskId: string;
  /**
   * Sent as the provider's idempotency key where it has one: the task id, suffixed with the
   * submission round once a job was abandoned, so a retried submit never starts a second job
   * but a deliberate resubmit does.
   */
  idempotencyKey: string;
  prompt: string;
  image?: ProviderImage;
  /** The image the video ends on; only sent with `image` and when `capabilities.lastFrame`. */
  lastFrame?: ProviderImage;
  durationSeconds: number;
  ratio: AspectRatio;
  model?: string;
  callbackUrl?: string;
}

export interface ProviderFailure {
  ok: false;
  /** Stable code, e.g. `provider_unavailable`, `rate_limited`, `safety_rejected`. */
  code: string;
  /** A sentence a person understands; never contains secrets. */
  message: string;
  retryable: boolean;
  /** The provider asked us to wait this long (Retry-After). */
  retryAfterMs?: number;
  /** The provider's job is gone (e.g. result URL expired): the next attempt resubmits. */
  resubmit?: boolean;
}

export type SubmitResult = { ok: true; jobId: string; pollAfterMs: number } | ProviderFailure;

export type PollResult =
  | { ok: true; state: 'running'; progress: number | null; pollAfterMs: number }
  | { ok: true; state: 'succeeded'; video: VideoResult }
  | ProviderFailure;

export interface VideoResult {
  url: string;
  /** Headers needed to download the result (e.g. an API key for Veo). Never logged. */
  headers?: Record<string, string>;
  contentType?: string;
  costUsd?: number;
}

export interface Provider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  submit(request: SubmitRequest): Promise<SubmitResult>;
  poll(jobId: string): Promise<PollResult>;
  cancel?(jobId: string): Promise<void>;
  /** Download the finished video; the default is a plain GET of `video.url`. */
  download?(video: VideoResult): Promise<Response | ProviderFailure>;
}

/** What every provider client is built from. */
export interface ProviderClientOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function failure(
  code: string,
  message: string,
  retryable: boolean,
  extra: Partial<Pick<ProviderFailure, 'retryAfterMs' | 'resubmit'>> = {},
): ProviderFailure {
  return { ok: false, code, message, retryable, ...extra };
}
