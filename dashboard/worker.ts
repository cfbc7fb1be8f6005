/**
 * The dashboard Worker: Remix's request handler for pages and actions (static files are served
 * by Workers Static Assets before this runs). Under `wrangler dev --env local` it also consumes
 * the task queue, since local Queues do not cross processes.
 */
import { createRequestHandler, type ServerBuild } from '@remix-run/cloudflare';
import * as build from 'remix-server-build';
import { handleTaskBatch } from '../consumer/queue-handler.ts';
import type { TaskMessage } from '../core/queue/task-queue.ts';
import type { WorkerEnv } from '../core/runtime/cloudflare.ts';

const handleRequest = createRequestHandler(build as ServerBuild, 'production');

export default {
  fetch(request, env, ctx) {
    return handleRequest(request, { cloudflare: { env, ctx } });
  },
  queue: handleTaskBatch,
} satisfies ExportedHandler<WorkerEnv, TaskMessage>;
