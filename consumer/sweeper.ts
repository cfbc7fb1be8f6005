/**
 * The scheduled sweeper: fails tasks past their deadline and re-wakes tasks whose wake-up is
 * overdue (a lost message, a dead worker), so no task is ever stuck.
 */
import type { WorkerEnv } from '../core/runtime/cloudflare.ts';
import { createWorkerRuntime } from '../core/runtime/cloudflare.ts';
import { jsonLogger } from '../core/runtime/logger.ts';
import type { SweepResult } from '../core/tasks/service.ts';

/** Runs one sweep; called by the cron trigger. */
export async function runSweep(env: WorkerEnv): Promise<SweepResult> {
  const logger = jsonLogger({ cron: 'sweeper' });
  const runtime = createWorkerRuntime(env, { logger });
  try {
    return await runtime.service.sweep();
  } finally {
    await runtime.close().catch(() => undefined);
  }
}
