/**
 * The Queue port. A message is only a wake-up for a task; the database holds the truth, so a
 * lost or duplicated message is harmless (the sweeper re-wakes, the claim dedupes).
 */
export interface TaskQueue {
  /** Asks for `advance(taskId)` to run after `delayMs` (0: as soon as possible). */
  wake(taskId: string, delayMs?: number): Promise<void>;
}

export interface TaskMessage {
  taskId: string;
}

/** Cloudflare Queues' longest delivery delay. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 60 * 60;

/** Whole seconds for a queue delay: rounded up, within what Cloudflare Queues accepts. */
export function toDelaySeconds(delayMs: number): number {
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
}
