/** The Cloudflare Queues adapter: each wake-up is a `{taskId}` message, delayed if asked. */
import { toDelaySeconds, type TaskMessage, type TaskQueue } from './task-queue.ts';

/** Wraps a Queues producer binding. */
export function createCloudflareQueue(queue: Queue<TaskMessage>): TaskQueue {
  return {
    async wake(taskId, delayMs = 0) {
      const delaySeconds = toDelaySeconds(delayMs);
      await queue.send({ taskId }, delaySeconds > 0 ? { delaySeconds } : {});
    },
  };
}
