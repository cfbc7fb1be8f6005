/**
 * The Cloudflare Queues consumer: each message `{taskId}` runs one step of that task. A message
 * is acked only when the step ran (or there was nothing to do); any fault retries it with
 * backoff, so failed work is never dropped. Malformed messages are acked and logged.
 */
import { z } from 'zod';
import type { WorkerEnv } from '../core/runtime/cloudflare.ts';
import { createWorkerRuntime } from '../core/runtime/cloudflare.ts';
import { jsonLogger } from '../core/runtime/logger.ts';
import { backoffDelayMs } from '../core/tasks/backoff.ts';
import type { TaskMessage } from '../core/queue/task-queue.ts';
import { toDelaySeconds } from '../core/queue/task-queue.ts';

const messageSchema = z.object({ taskId: z.uuid() });

/** Handles one batch; steps of different tasks run concurrently. */
export async function handleTaskBatch(
  batch: MessageBatch<TaskMessage>,
  env: WorkerEnv,
  ctx: ExecutionContext,
): Promise<void> {
  const logger = jsonLogger({ queue: batch.queue });
  const runtime = createWorkerRuntime(env, { logger });
  try {
    await Promise.all(batch.messages.map((message) => handleMessage(message, runtime, logger)));
  } finally {
    ctx.waitUntil(runtime.close().catch(() => undefined));
  }
}

async function handleMessage(
  message: Message<TaskMessage>,
  runtime: ReturnType<typeof createWorkerRuntime>,
  logger: ReturnType<typeof jsonLogger>,
): Promise<void> {
  const parsed = messageSchema.safeParse(message.body);
  if (!parsed.success) {
    logger.error('queue.bad_message', { messageId: message.id });
    message.ack();
    return;
  }

  const { taskId } = parsed.data;
  try {
    const outcome = await runtime.service.advance(taskId);
    logger.info('task.step', { taskId, outcome: outcome.kind, attempt: message.attempts });
    message.ack();
  } catch (error) {
    const delaySeconds = toDelaySeconds(backoffDelayMs(message.attempts, { baseMs: 2000 }));
    logger.error('task.step_failed', {
      taskId,
      error: error instanceof Error ? error.name : 'unknown',
      attempt: message.attempts,
      retryInSeconds: delaySeconds,
    });
    message.retry({ delaySeconds });
  }
}
