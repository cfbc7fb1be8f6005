/**
 * Builds the task service for one Worker invocation (a request, a queue batch, a cron tick)
 * from the Worker's env: config parsed once, a database client that is closed afterwards, R2,
 * the queue producer and the enabled providers.
 */
import { parseConfig, type Config } from '../config.ts';
import { createDeliverers } from '../delivery/deliverers.ts';
import type { DelivererMap } from '../delivery/delivery.ts';
import { createDohResolver } from '../media/doh-resolver.ts';
import { createProviderRegistry, type ProviderRegistry } from '../providers/registry.ts';
import { createCloudflareQueue } from '../queue/cloudflare-queue.ts';
import { createPostgresQueue } from '../queue/postgres-queue.ts';
import type { TaskMessage, TaskQueue } from '../queue/task-queue.ts';
import { createMediaLinks } from '../storage/media-links.ts';
import { createR2Store } from '../storage/r2-store.ts';
import { createPostgresRpc } from '../store/postgres-rpc.ts';
import type { Rpc } from '../store/rpc.ts';
import { createSupabaseRpc } from '../store/supabase-rpc.ts';
import { TaskStore } from '../store/task-store.ts';
import { createTaskService, type Logger, type TaskService } from '../tasks/service.ts';

export interface WorkerBindings {
  MEDIA: R2Bucket;
  TASK_QUEUE: Queue<TaskMessage>;
  HYPERDRIVE?: Hyperdrive;
}

export type WorkerEnv = WorkerBindings & Record<string, unknown>;

export interface WorkerRuntime {
  config: Config;
  store: TaskStore;
  service: TaskService;
  objects: ReturnType<typeof createR2Store>;
  links: ReturnType<typeof createMediaLinks>;
  /** The providers this deployment has enabled. */
  providers: ProviderRegistry;
  /** Wakes tasks through the configured queue (Cloudflare Queues or the tasks table). */
  queue: TaskQueue;
  /** Closes the database client; pass to ctx.waitUntil once the work is done. */
  close(): Promise<void>;
}

/** Opens the database transport chosen by config: Hyperdrive or DATABASE_URL, else Supabase. */
export function openRpc(config: Config, env: WorkerEnv): Rpc {
  const url = env.HYPERDRIVE?.connectionString ?? config.DATABASE_URL;
  if (url) return createPostgresRpc(url, { max: 2 });
  if (config.SUPABASE_URL && config.SUPABASE_SERVICE_ROLE_KEY) {
    return createSupabaseRpc(config.SUPABASE_URL, config.SUPABASE_SERVICE_ROLE_KEY);
  }
  throw new Error('No database configured');
}

/** The runtime for one invocation; `extraDeliverers` come from the chat frontends. */
export function createWorkerRuntime(
  env: WorkerEnv,
  options: { logger?: Logger; deliverers?: DelivererMap; config?: Config } = {},
): WorkerRuntime {
  const config = options.config ?? parseConfig(env);
  const store = new TaskStore(openRpc(config, env));
  const objects = createR2Store(env.MEDIA);
  const links = createMediaLinks(config);
  const deliverers: DelivererMap = { ...createDeliverers(config), ...options.deliverers };

  const queue =
    config.QUEUE_DRIVER === 'postgres'
      ? createPostgresQueue(store)
      : createCloudflareQueue(env.TASK_QUEUE);
  const providers = createProviderRegistry(config);
  const service = createTaskService({
    config,
    store,
    queue,
    objects,
    providers,
    deliverers,
    links,
    workerId: `worker:${crypto.randomUUID()}`,
    ...(config.DNS_CHECK_IMAGE_URLS ? { resolveHost: createDohResolver() } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  return { config, store, service, objects, links, queue, providers, close: () => store.close() };
}
