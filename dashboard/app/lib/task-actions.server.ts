/**
 * Admin actions on tasks. They go through the task service, so a retried or canceled task is
 * woken on the queue the edge Worker consumes, and each is written to the audit log.
 */
import type { Admin } from './auth.server.ts';
import type { DashboardRuntime } from './runtime.server.ts';

/** How many tasks one click may retry or cancel; the rest wait for the next click. */
// LIMITATION: "retry all" handles 200 tasks per click (one service call each, 8 at a time) so a
// request stays well inside a Worker's limits; the page says when more remain.
export const BULK_LIMIT = 200;
const CONCURRENCY = 8;

export interface BulkResult {
  asked: number;
  changed: string[];
}

async function eachLimited(ids: string[], work: (id: string) => Promise<boolean>) {
  const changed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      if (id !== undefined && (await work(id))) changed.push(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return changed;
}

/** Retries failed or canceled tasks; others are left as they are. */
export async function retryTasks(
  runtime: DashboardRuntime,
  admin: Admin,
  ids: string[],
  reason: Record<string, unknown> = {},
): Promise<BulkResult> {
  const { service } = runtime.tasks();
  const selected = ids.slice(0, BULK_LIMIT);
  const changed = await eachLimited(
    selected,
    async (id) => (await service.retry(id, admin.identity)) !== null,
  );
  await audit(runtime, admin, 'task.retry', selected, changed, reason);
  return { asked: selected.length, changed };
}

/** Cancels pending or processing tasks; others are left as they are. */
export async function cancelTasks(
  runtime: DashboardRuntime,
  admin: Admin,
  ids: string[],
): Promise<BulkResult> {
  const { service } = runtime.tasks();
  const selected = ids.slice(0, BULK_LIMIT);
  const changed = await eachLimited(
    selected,
    async (id) => (await service.cancel(id, admin.identity)) !== null,
  );
  await audit(runtime, admin, 'task.cancel', selected, changed, {});
  return { asked: selected.length, changed };
}

/** Hands a finished task back to delivery and wakes it (the store writes the audit entry). */
export async function redeliverTask(
  runtime: DashboardRuntime,
  admin: Admin,
  id: string,
): Promise<boolean> {
  const done = await runtime.store.redeliverTask(id, admin.identity);
  if (done && runtime.config.QUEUE_DRIVER === 'cloudflare') {
    await runtime.env.TASK_QUEUE.send({ taskId: id });
  }
  return done;
}

async function audit(
  runtime: DashboardRuntime,
  admin: Admin,
  action: string,
  asked: string[],
  changed: string[],
  detail: Record<string, unknown>,
) {
  const target = asked.length === 1 && asked[0] ? { type: 'task', id: asked[0] } : null;
  await runtime.store.audit(admin.identity, action, target, {
    ...detail,
    asked: asked.length,
    changed: changed.length,
    task_ids: changed,
  });
}
