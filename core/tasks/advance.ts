/**
 * One step of a task's life (DESIGN.md, "Task lifecycle"): claim, then submit, poll, store the
 * result or deliver it. Every step is safe to repeat: the claim is a lease, the provider job id
 * is stored before the next step, and delivery is marked once.
 */
import type { DeliveryContext, ProgressPhase } from '../delivery/delivery.ts';
import type {
  Provider,
  ProviderFailure,
  ProviderImage,
  VideoResult,
} from '../providers/provider.ts';
import { failure } from '../providers/provider.ts';
import { readObjectBytes } from '../storage/object-store.ts';
import { signCallbackUrl } from '../providers/callback-token.ts';
import { costTable, estimateCostUsd, parseCostOverrides } from '../providers/costs.ts';
import { failoverTarget, type FailoverTask } from '../providers/routing.ts';
import { backoffDelayMs } from './backoff.ts';
import type { TaskServiceDeps } from './service.ts';
import { isTerminal, type Task } from './task.ts';

export type AdvanceOutcome =
  /** Nothing to do: another worker holds the task, or it is finished and delivered. */
  | { kind: 'idle' }
  /** The task wakes again after delayMs (a wake-up was already sent). */
  | { kind: 'scheduled'; delayMs: number }
  /** The task reached its end and its origin was told (or has nothing to be told). */
  | { kind: 'finished'; status: Task['status'] };

const MAX_DELIVERY_ATTEMPTS = 6;
const MP4_BRAND_OFFSET = 4;
const CALLBACK_GRACE_MS = 24 * 60 * 60 * 1000;

/** Runs one step of the task; throws only for unexpected faults (the caller retries). */
export async function advanceTask(deps: TaskServiceDeps, taskId: string): Promise<AdvanceOutcome> {
  const task = await deps.store.claimTask(taskId, deps.workerId, deps.config.LEASE_SECONDS);
  if (!task) return { kind: 'idle' };

  try {
    if (isTerminal(task.status)) return await deliver(deps, task);

    const provider = deps.providers.get(task.provider);
    if (!provider) {
      return await fail(deps, task, failure('provider_unavailable', noProvider(task), false));
    }
    if (!task.providerJobId) return await submit(deps, task, provider);
    return await poll(deps, task, provider);
  } catch (error) {
    // Give the lease back so the retried message can claim the task straight away.
    await deps.store.releaseTask(task.id, deps.workerId, 0).catch(() => undefined);
    throw error;
  }
}

function noProvider(task: Task): string {
  return `The provider "${task.provider}" is not enabled on this deployment.`;
}

async function submit(deps: TaskServiceDeps, task: Task, provider: Provider) {
  const contentType = task.params.inputContentType ?? 'image/jpeg';
  const image = task.inputKey
    ? await providerImage(deps, provider, task.inputKey, contentType, 'input image')
    : undefined;
  if (image && 'ok' in image) return fail(deps, task, image);
  const ending = task.params.lastFrame;
  const lastFrame =
    image && ending
      ? await providerImage(deps, provider, ending.key, ending.contentType, 'last frame')
      : undefined;
  if (lastFrame && 'ok' in lastFrame) return fail(deps, task, lastFrame);

  const callbackUrl = await signCallbackUrl({
    baseUrl: deps.config.PUBLIC_BASE_URL,
    provider: provider.name,
    taskId: task.id,
    // Late callbacks are harmless (they only wake the task), so the token outlives the deadline.
    expiresAt: new Date(task.deadlineAt.getTime() + CALLBACK_GRACE_MS),
    secret: deps.config.SIGNING_SECRET,
  });
  const result = await provider.submit({
    taskId: task.id,
    idempotencyKey: task.submissionRound === 0 ? task.id : `${task.id}:r${task.submissionRound}`,
    prompt: task.prompt,
    durationSeconds: task.params.duration,
    ratio: task.params.ratio,
    callbackUrl,
    ...(image ? { image } : {}),
    ...(lastFrame ? { lastFrame } : {}),
    ...(task.model ? { model: task.model } : {}),
  });
  if (!result.ok) {
    const target = canFailOver(deps, task)
      ? failoverTarget(deps.providers, failoverTask(task), result)
      : undefined;
    if (target) return failOver(deps, task, target, result);
    return fail(deps, task, result);
  }

  const saved = await deps.store.recordSubmission(task.id, deps.workerId, {
    provider: provider.name,
    jobId: result.jobId,
    pollAfterMs: result.pollAfterMs,
  });
  if (!saved) return { kind: 'idle' } as const;
  deps.logger?.info('task.submitted', { taskId: task.id, provider: provider.name });
  await showProgress(deps, saved, 'generating');
  return schedule(deps, saved, result.pollAfterMs);
}

function canFailOver(deps: TaskServiceDeps, task: Task): boolean {
  return (
    deps.config.PROVIDER_FAILOVER &&
    task.attempts < task.maxAttempts &&
    Date.now() < task.deadlineAt.getTime()
  );
}

function failoverTask(task: Task): FailoverTask {
  return {
    provider: task.provider,
    hasImage: task.inputKey !== null,
    hasLastFrame: task.params.lastFrame !== undefined,
    durationSeconds: task.params.duration,
    ratio: task.params.ratio,
    contentType: task.params.inputContentType,
  };
}

// The next provider gets the task at once: the failure was this provider's, not the task's.
async function failOver(
  deps: TaskServiceDeps,
  task: Task,
  target: string,
  problem: ProviderFailure,
) {
  const costUsd = estimateCostUsd(
    costTable(parseCostTable(deps.config.PROVIDER_COSTS)),
    target,
    undefined,
    task.params.duration,
  );
  const saved = await deps.store.switchProvider(task.id, deps.workerId, {
    from: task.provider,
    to: target,
    code: problem.code,
    message: problem.message,
    costUsd,
  });
  if (!saved) return { kind: 'idle' } as const;
  deps.logger?.warn('task.failover', {
    taskId: task.id,
    from: task.provider,
    to: target,
    code: problem.code,
  });
  return schedule(deps, saved, 0);
}

function parseCostTable(json: string | undefined) {
  const parsed = parseCostOverrides(json);
  return typeof parsed === 'string' ? {} : parsed;
}

async function poll(deps: TaskServiceDeps, task: Task, provider: Provider) {
  const result = await provider.poll(task.providerJobId ?? '');
  if (!result.ok) return fail(deps, task, result);
  if (result.state === 'succeeded') return storeVideo(deps, task, provider, result.video);

  const saved = await deps.store.recordProgress(
    task.id,
    deps.workerId,
    result.progress,
    result.pollAfterMs,
  );
  if (!saved) return { kind: 'idle' } as const;
  await showProgress(deps, saved, 'generating');
  return schedule(deps, saved, result.pollAfterMs);
}

async function storeVideo(
  deps: TaskServiceDeps,
  task: Task,
  provider: Provider,
  video: VideoResult,
) {
  const download = provider.download
    ? await provider.download(video)
    : await fetch(video.url, { signal: AbortSignal.timeout(deps.config.VIDEO_COPY_TIMEOUT_MS) });
  if (!(download instanceof Response)) return fail(deps, task, download);
  if (!download.ok || !download.body) {
    await download.body?.cancel();
    const expired = [403, 404, 410].includes(download.status);
    return fail(
      deps,
      task,
      expired
        ? failure('result_expired', 'The finished video expired before it was saved.', true, {
            resubmit: true,
          })
        : failure('provider_unavailable', 'The provider could not hand over the video.', true),
    );
  }

  const key = `outputs/${task.id}.mp4`;
  const declared = Number(download.headers.get('content-length'));
  const heartbeat = keepLease(deps, task);
  let stored;
  try {
    // The body goes to storage untouched (a JS transform in between costs speed and memory on
    // Workers); what arrived is checked afterwards and removed if it is no MP4.
    stored = await deps.objects.put(key, download.body, {
      contentType: 'video/mp4',
      ...(Number.isSafeInteger(declared) && declared > 0 ? { length: declared } : {}),
    });
  } finally {
    heartbeat.stop();
  }
  if (!(await startsLikeMp4(deps, key))) {
    await deps.objects.delete(key);
    const message = 'The provider returned something other than an MP4.';
    return fail(deps, task, failure('provider_bad_response', message, true));
  }

  const completed = await deps.store.completeTask(task.id, deps.workerId, {
    key,
    bytes: stored.size,
    costUsd: video.costUsd ?? null,
  });
  if (!completed) {
    // Canceled while we were copying: nothing will reference the object.
    await deps.objects.delete(key);
    return { kind: 'idle' } as const;
  }
  deps.logger?.info('task.completed', { taskId: task.id, bytes: stored.size });
  if (!completed.replyTarget) return { kind: 'finished', status: completed.status } as const;
  return deliver(deps, completed);
}

async function fail(deps: TaskServiceDeps, task: Task, problem: ProviderFailure) {
  const resubmitting = problem.resubmit === true || !task.providerJobId;
  // Resubmitting costs an attempt; re-polling a job that exists does not (the deadline bounds it).
  const attemptsLeft = !resubmitting || task.attempts < task.maxAttempts;
  const retryable = problem.retryable && attemptsLeft && Date.now() < task.deadlineAt.getTime();

  const delayMs = retryable
    ? backoffDelayMs(task.attempts, {
        ...(problem.retryAfterMs !== undefined ? { retryAfterMs: problem.retryAfterMs } : {}),
        ...(deps.random ? { random: deps.random } : {}),
      })
    : 0;
  const saved = await deps.store.failTask(task.id, deps.workerId, {
    code: problem.code,
    message: problem.message,
    retryable,
    delayMs,
    clearJob: problem.resubmit === true,
  });
  if (!saved) return { kind: 'idle' } as const;

  deps.logger?.warn('task.provider_failed', {
    taskId: task.id,
    code: problem.code,
    retryable,
    attempt: task.attempts,
  });
  if (retryable) return schedule(deps, saved, delayMs);
  if (!saved.replyTarget) return { kind: 'finished', status: saved.status } as const;
  return deliver(deps, saved);
}

async function deliver(deps: TaskServiceDeps, task: Task) {
  const deliverer = task.replyTarget ? deps.deliverers[task.replyTarget.kind] : undefined;
  if (!deliverer) {
    await deps.store.markDelivered(task.id, deps.workerId);
    return { kind: 'finished', status: task.status } as const;
  }

  if (task.status === 'completed') await showProgress(deps, task, 'delivering');
  const context: DeliveryContext = {
    videoUrl:
      task.status === 'completed' && task.outputKey ? await deps.links.link(task.outputKey) : null,
    openVideo: async () => {
      if (!task.outputKey) return null;
      const object = await deps.objects.get(task.outputKey);
      return object ? { body: object.body, size: object.size } : null;
    },
  };
  const result = await deliverer.deliver(task, context);
  if (result.ok) {
    await deps.store.markDelivered(task.id, deps.workerId);
    deps.logger?.info('task.delivered', { taskId: task.id });
    return { kind: 'finished', status: task.status } as const;
  }

  const giveUp = !result.retryable || task.deliveryAttempts + 1 >= MAX_DELIVERY_ATTEMPTS;
  const delayMs = giveUp
    ? 0
    : backoffDelayMs(task.deliveryAttempts + 1, {
        ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
        ...(deps.random ? { random: deps.random } : {}),
      });
  await deps.store.recordDeliveryFailure(task.id, deps.workerId, {
    message: result.message,
    delayMs,
    giveUp,
  });
  deps.logger?.warn('task.delivery_failed', { taskId: task.id, giveUp, reason: result.message });
  if (giveUp) return { kind: 'finished', status: task.status } as const;
  return schedule(deps, task, delayMs);
}

async function schedule(deps: TaskServiceDeps, task: Task, delayMs: number) {
  await deps.queue.wake(task.id, delayMs);
  return { kind: 'scheduled', delayMs } as const;
}

async function showProgress(deps: TaskServiceDeps, task: Task, phase: ProgressPhase) {
  const deliverer = task.replyTarget ? deps.deliverers[task.replyTarget.kind] : undefined;
  if (!deliverer?.progress) return;
  try {
    await deliverer.progress(task, phase);
  } catch (error) {
    deps.logger?.warn('task.progress_failed', { taskId: task.id, error: String(error) });
  }
}

async function providerImage(
  deps: TaskServiceDeps,
  provider: Provider,
  key: string,
  contentType: ProviderImage['contentType'],
  what: string,
): Promise<ProviderImage | ProviderFailure> {
  if (provider.capabilities.imageInput === 'url') {
    return { contentType, url: await deps.links.link(key) };
  }
  const bytes = await readObjectBytes(deps.objects, key);
  if (!bytes) return failure('input_missing', `The ${what} is no longer stored.`, false);
  return { contentType, bytes };
}

/** True when the stored object begins with an MP4 `ftyp` box. */
async function startsLikeMp4(deps: TaskServiceDeps, key: string): Promise<boolean> {
  const head = await deps.objects.get(key, { offset: 0, length: 12 });
  if (!head || head.size < 12) {
    await head?.body.cancel();
    return false;
  }
  const bytes = new Uint8Array(await new Response(head.body).arrayBuffer());
  return new TextDecoder().decode(bytes.subarray(MP4_BRAND_OFFSET, 8)) === 'ftyp';
}

// Long copies outlive a lease; extend it while the bytes flow.
function keepLease(deps: TaskServiceDeps, task: Task): { stop(): void } {
  const everyMs = Math.max(5, deps.config.LEASE_SECONDS / 3) * 1000;
  const timer = setInterval(() => {
    deps.store
      .extendLease(task.id, deps.workerId, deps.config.LEASE_SECONDS)
      .catch(() => undefined);
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
