/**
 * What a loader or action works with: settings parsed once from the Worker env, the dashboard
 * store, and (opened only when asked) the task service that creates, retries and cancels. The
 * database client is closed once the response is on its way.
 */
import type { AppLoadContext } from '@remix-run/cloudflare';
import { parseConfig, type Config } from '../../../core/config.ts';
import { jsonLogger } from '../../../core/runtime/logger.ts';
import {
  createWorkerRuntime,
  openRpc,
  type WorkerEnv,
  type WorkerRuntime,
} from '../../../core/runtime/cloudflare.ts';
import { DashboardStore } from '../../../core/store/dashboard-store.ts';

export interface DashboardRuntime {
  env: WorkerEnv;
  config: Config;
  store: DashboardStore;
  /** The Worker runtime with the task service; its own database client, opened on first use. */
  tasks(): WorkerRuntime;
}

/** Runs `work` with a runtime for this request, closing its database clients afterwards. */
export async function withRuntime<T>(
  context: AppLoadContext,
  work: (runtime: DashboardRuntime) => Promise<T>,
): Promise<T> {
  const { env, ctx } = context.cloudflare;
  const config = parseConfig(env);
  const rpc = openRpc(config, env);
  let tasks: WorkerRuntime | undefined;
  const runtime: DashboardRuntime = {
    env,
    config,
    store: new DashboardStore(rpc),
    tasks() {
      tasks ??= createWorkerRuntime(env, { config, logger: jsonLogger({ app: 'dashboard' }) });
      return tasks;
    },
  };
  try {
    return await work(runtime);
  } finally {
    const closing = Promise.all([rpc.close(), tasks?.close()]).catch(() => undefined);
    ctx.waitUntil(closing);
  }
}
