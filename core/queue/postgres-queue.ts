/**
 * The Postgres-table adapter: the task row's next_run_at is the queue. Waking moves it forward;
 * consumers take due tasks with `dequeue_due` (FOR UPDATE SKIP LOCKED).
 */
import type { TaskStore } from '../store/task-store.ts';
import type { TaskQueue } from './task-queue.ts';

/** A queue backed by the tasks table itself. */
export function createPostgresQueue(store: TaskStore): TaskQueue {
  return {
    async wake(taskId, delayMs = 0) {
      await store.wakeTask(taskId, delayMs);
    },
  };
}
