/**
 * Turning a request into a task: every check that can refuse it runs before anything is
 * written, the image is stored, then one SQL call checks the quota and inserts the row. A
 * refusal at that point removes the stored image, so bad input leaves no row, no object and no
 * quota used.
 */
import { sha256Hex } from '../crypto.ts';
import { sniffImage } from '../media/image-sniff.ts';
import { fetchPublicImage } from '../media/safe-fetch.ts';
import { costTable, estimateCostUsd, parseCostOverrides } from '../providers/costs.ts';
import { capabilitiesFor } from '../providers/models.ts';
import type { AspectRatio, Provider, ProviderCapabilities } from '../providers/provider.ts';
import { ASPECT_RATIOS } from '../providers/provider.ts';
import { quotaMessage, requestError, type RequestError } from './errors.ts';
import type { ReplyTarget, Task, TaskSource } from './task.ts';
import type { TaskServiceDeps } from './service.ts';

export interface CreateTaskInput {
  userId: string;
  source: TaskSource;
  prompt: string;
  provider?: string | undefined;
  model?: string | undefined;
  durationSeconds?: number | undefined;
  ratio?: AspectRatio | undefined;
  replyTarget?: ReplyTarget | undefined;
  image?: ImageSource | undefined;
  /** The image the video ends on; needs `image` and a model that takes a last frame. */
  lastFrame?: ImageSource | undefined;
  /** Leave the last frame out, instead of refusing, when the model takes none (chat albums). */
  lastFrameIfSupported?: boolean | undefined;
  idempotencyKey?: string | undefined;
  /**
   * Hold the task back until the caller calls `service.release` (after showing it queued, so a
   * fast consumer's "generating" never lands first); it starts by itself after this long.
   */
  holdSeconds?: number | undefined;
}

export type ImageSource = { bytes: Uint8Array } | { url: string };

/**
 * How long a chat frontend holds a new task back while it shows it queued. It releases the task
 * right after; should it die first, the task starts when the hold runs out.
 */
export const SHOW_QUEUED_HOLD_SECONDS = 30;

export type CreateTaskOutcome =
  | { ok: true; task: Task; created: boolean }
  | { ok: false; error: RequestError };

const EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;

/** Validates a request, stores its image and creates the task (quota checked atomically). */
export async function createTask(
  deps: TaskServiceDeps,
  input: CreateTaskInput,
): Promise<CreateTaskOutcome> {
  const { config } = deps;
  const prompt = input.prompt.trim();
  if (prompt.length === 0) return refuse('invalid_prompt', 'The prompt is empty.');
  if (prompt.length > config.MAX_PROMPT_CHARS) {
    return refuse(
      'invalid_prompt',
      `The prompt is ${prompt.length} characters; the limit is ${config.MAX_PROMPT_CHARS}.`,
    );
  }

  const providerName = input.provider ?? deps.providers.defaultName;
  const provider = deps.providers.get(providerName);
  if (!provider) {
    const known = deps.providers.names().join(', ');
    return refuse('unknown_provider', `Unknown provider "${providerName}". Available: ${known}.`);
  }

  // The deployment's default model applies only to the deployment's default provider.
  const requestedModel =
    input.model ?? (input.provider === undefined ? config.DEFAULT_MODEL : undefined);
  const choice = capabilitiesFor(provider, requestedModel);
  if (!choice.ok) return refuse('unsupported_request', choice.message);
  const capabilities = choice.capabilities;
  const served = choice.model === undefined ? provider.name : `${provider.name} ${choice.model}`;

  const params = chooseParams(provider, capabilities, input);
  if (!params.ok) return { ok: false, error: params.error };

  if (input.lastFrame && !input.image) {
    return refuse('unsupported_request', 'A last frame needs a first image to start from.');
  }
  const wantsLastFrame = input.lastFrame !== undefined && capabilities.lastFrame;
  if (input.lastFrame && !wantsLastFrame && !input.lastFrameIfSupported) {
    return refuse('unsupported_request', `${served} takes no last frame; send one image.`);
  }

  const image = await loadImage(deps, provider, input.image);
  if (!image.ok) return { ok: false, error: image.error };
  if (!image.value && !capabilities.textToVideo) {
    return refuse('unsupported_request', `${served} needs an image to make a video.`);
  }
  if (image.value && !capabilities.imageToVideo) {
    return refuse('unsupported_request', `${served} makes videos from text only.`);
  }
  const lastFrame = wantsLastFrame
    ? await loadImage(deps, provider, input.lastFrame, 'last frame')
    : ({ ok: true, value: null } as const);
  if (!lastFrame.ok) return { ok: false, error: lastFrame.error };

  const requestHash = await sha256Hex(
    JSON.stringify({
      prompt,
      provider: provider.name,
      model: input.model ?? null,
      duration: params.duration,
      ratio: params.ratio,
      image: image.value ? await sha256Hex(image.value.bytes) : null,
      lastFrame: lastFrame.value ? await sha256Hex(lastFrame.value.bytes) : null,
      replyTarget: input.replyTarget ?? null,
    }),
  );

  const stored: string[] = [];
  const removeImage = async () => {
    await Promise.all(stored.map((key) => deps.objects.delete(key)));
  };
  const store = async (value: StoredImage) => {
    const key = `inputs/${crypto.randomUUID()}.${EXTENSIONS[value.contentType]}`;
    stored.push(key);
    await deps.objects.put(key, value.bytes, {
      contentType: value.contentType,
      length: value.bytes.byteLength,
    });
    return key;
  };

  let inputKey: string | null = null;
  let lastFrameKey: string | null = null;
  try {
    if (image.value) inputKey = await store(image.value);
    if (lastFrame.value) lastFrameKey = await store(lastFrame.value);
  } catch (error) {
    await removeImage().catch(() => undefined);
    throw error;
  }

  let result;
  try {
    result = await deps.store.createTask({
      userId: input.userId,
      source: input.source,
      prompt,
      provider: provider.name,
      model: choice.model ?? null,
      params: {
        duration: params.duration,
        ratio: params.ratio,
        ...(image.value ? { inputContentType: image.value.contentType } : {}),
        ...(lastFrame.value && lastFrameKey
          ? { lastFrame: { key: lastFrameKey, contentType: lastFrame.value.contentType } }
          : {}),
      },
      replyTarget: input.replyTarget ?? null,
      inputKey,
      inputImageUrl: input.image && 'url' in input.image ? input.image.url : null,
      idempotencyKey: input.idempotencyKey ?? null,
      requestHash,
      maxAttempts: config.TASK_MAX_ATTEMPTS,
      deadlineSeconds: config.TASK_DEADLINE_SECONDS,
      ...(input.holdSeconds ? { holdSeconds: input.holdSeconds } : {}),
    });
  } catch (error) {
    await removeImage();
    throw error;
  }

  if (!result.ok) {
    await removeImage();
    if (result.code === 'quota_exceeded') {
      const quota = {
        scope: result.scope,
        limit: result.limit,
        resetAt: result.reset_at ? new Date(result.reset_at) : null,
      };
      return { ok: false, error: requestError('quota_exceeded', quotaMessage(quota), { quota }) };
    }
    return { ok: false, error: storeRefusal(result.code) };
  }

  // A replayed idempotent request keeps the first request's image; ours is not needed.
  if (!result.created) {
    await removeImage();
    return { ok: true, task: result.task, created: false };
  }

  await recordCostEstimate(deps, result.task, choice.model);

  // A held task is woken by the caller's release (or becomes due when the hold runs out).
  if (!input.holdSeconds) await sendWakeUp(deps, result.task.id);
  deps.logger?.info('task.created', { taskId: result.task.id, provider: provider.name });
  return { ok: true, task: result.task, created: true };
}

/** Makes a task due now and sends its wake-up; a lost message is the sweeper's to resend. */
export async function sendWakeUp(deps: TaskServiceDeps, taskId: string): Promise<void> {
  try {
    await deps.queue.wake(taskId);
  } catch (error) {
    // The row is due now; the sweeper wakes it if this message never made it.
    deps.logger?.warn('task.enqueue_failed', { taskId, error: String(error) });
  }
}

// An estimate only, from the rate table; a provider that reports its real cost replaces it.
async function recordCostEstimate(deps: TaskServiceDeps, task: Task, model: string | undefined) {
  const overrides = parseCostOverrides(deps.config.PROVIDER_COSTS);
  const table = costTable(typeof overrides === 'string' ? {} : overrides);
  const cost = estimateCostUsd(table, task.provider, model, task.params.duration, {
    lastFrame: task.params.lastFrame !== undefined,
  });
  if (cost === null) return;
  try {
    await deps.store.recordCostEstimate(task.id, cost);
  } catch (error) {
    deps.logger?.warn('task.cost_estimate_failed', { taskId: task.id, error: String(error) });
  }
}

function refuse(code: RequestError['code'], message: string): CreateTaskOutcome {
  return { ok: false, error: requestError(code, message) };
}

function storeRefusal(code: 'unknown_user' | 'banned' | 'idempotency_conflict'): RequestError {
  switch (code) {
    case 'banned':
      return requestError('banned', 'This account is not allowed to create videos.');
    case 'idempotency_conflict':
      return requestError(
        'idempotency_conflict',
        'This Idempotency-Key was already used with a different request.',
      );
    case 'unknown_user':
      return requestError('unknown_user', 'Unknown user.');
  }
}

type ParamsChoice =
  | { ok: true; duration: number; ratio: AspectRatio }
  | { ok: false; error: RequestError };

function chooseParams(
  provider: Provider,
  capabilities: ProviderCapabilities,
  input: CreateTaskInput,
): ParamsChoice {
  const { durations, ratios } = capabilities;
  const duration = input.durationSeconds ?? (durations.includes(5) ? 5 : durations[0]);
  if (duration === undefined || !Number.isInteger(duration) || !durations.includes(duration)) {
    const range = `${Math.min(...durations)}–${Math.max(...durations)}`;
    return {
      ok: false,
      error: requestError(
        'unsupported_request',
        `${provider.name} makes videos of ${range} seconds; ${input.durationSeconds} was asked.`,
      ),
    };
  }
  const ratio = input.ratio ?? '16:9';
  if (!ASPECT_RATIOS.includes(ratio) || !ratios.includes(ratio)) {
    return {
      ok: false,
      error: requestError(
        'unsupported_request',
        `${provider.name} supports the aspect ratios ${ratios.join(', ')}.`,
      ),
    };
  }
  return { ok: true, duration, ratio };
}

interface StoredImage {
  bytes: Uint8Array;
  contentType: keyof typeof EXTENSIONS;
}

type LoadedImage = { ok: true; value: StoredImage | null } | { ok: false; error: RequestError };

async function loadImage(
  deps: TaskServiceDeps,
  provider: Provider,
  image: ImageSource | undefined,
  what = 'image',
): Promise<LoadedImage> {
  if (!image) return { ok: true, value: null };
  // Errors about the second image say so; the first keeps the plain wording.
  const named = (message: string) => (what === 'image' ? message : `The ${what}: ${message}`);
  const maxBytes = Math.min(deps.config.MAX_IMAGE_BYTES, provider.capabilities.maxImageBytes);

  let bytes: Uint8Array;
  if ('url' in image) {
    const fetched = await fetchPublicImage(image.url, {
      maxBytes,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.resolveHost ? { resolveHost: deps.resolveHost } : {}),
    });
    if (!fetched.ok) {
      const code =
        fetched.code === 'too_large'
          ? 'image_too_large'
          : fetched.code === 'fetch_failed' || fetched.code === 'timeout'
            ? 'image_fetch_failed'
            : 'blocked_url';
      return { ok: false, error: requestError(code, named(fetched.message)) };
    }
    bytes = fetched.bytes;
  } else {
    bytes = image.bytes;
  }

  if (bytes.byteLength > maxBytes) {
    return {
      ok: false,
      error: requestError(
        'image_too_large',
        `The ${what} is ${bytes.byteLength} bytes; the limit is ${maxBytes}.`,
      ),
    };
  }
  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) {
    const code = sniffed.code === 'unsupported_type' ? 'unsupported_image_type' : 'invalid_image';
    return { ok: false, error: requestError(code, named(sniffed.message)) };
  }
  if (!provider.capabilities.imageTypes.includes(sniffed.contentType)) {
    return {
      ok: false,
      error: requestError(
        'unsupported_image_type',
        `${provider.name} takes ${provider.capabilities.imageTypes.join(', ')} images.`,
      ),
    };
  }
  return { ok: true, value: { bytes, contentType: sniffed.contentType } };
}
