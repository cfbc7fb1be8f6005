/**
 * How a finished (or failed, or canceled) task reaches its origin. Each origin kind — an API
 * webhook, a Telegram chat, a Discord interaction — has a Deliverer; delivery is retried on its
 * own and never regenerates the video.
 */
import type { ReplyTarget, Task } from '../tasks/task.ts';

export type DeliveryResult =
  | { ok: true }
  | { ok: false; retryable: boolean; message: string; retryAfterMs?: number };

export interface DeliveryContext {
  /** A time-limited link to the video, when the task completed. */
  videoUrl: string | null;
  /** Opens the video itself, for origins that upload it. */
  openVideo: () => Promise<{ body: ReadableStream<Uint8Array>; size: number } | null>;
}

export interface Deliverer {
  deliver(task: Task, context: DeliveryContext): Promise<DeliveryResult>;
  /**
   * Optional: show progress at the origin (e.g. edit a chat message). Called after the provider
   * took the task, after each poll, and before delivery. Failures are logged, never retried.
   */
  progress?(task: Task, phase: ProgressPhase): Promise<void>;
}

export type ProgressPhase = 'generating' | 'delivering';

export type DelivererMap = Partial<Record<ReplyTarget['kind'], Deliverer>>;
