/** The edge Worker: HTTP (bots, REST API, media), the task queue consumer and the sweeper. */
import { app } from './bots/app.ts';
import { handleTaskBatch } from './consumer/queue-handler.ts';
import { runSweep } from './consumer/sweeper.ts';
import type { WorkerEnv } from './core/runtime/cloudflare.ts';
import type { TaskMessage } from './core/queue/task-queue.ts';

export default {
  fetch: app.fetch,
  queue: handleTaskBatch,
  async scheduled(_controller, env) {
    await runSweep(env);
  },
} satisfies ExportedHandler<WorkerEnv, TaskMessage>;
