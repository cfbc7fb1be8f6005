/**
 * The task service for a Node process: Postgres (or Supabase) for tasks, the tasks table as the
 * queue, R2 through its S3 API when configured, else a folder on disk.
 */
import { join } from 'node:path';
import { parseConfig, type Config } from '../core/config.ts';
import { createDeliverers } from '../core/delivery/deliverers.ts';
import { createProviderRegistry } from '../core/providers/registry.ts';
import { createPostgresQueue } from '../core/queue/postgres-queue.ts';
import { openRpc } from '../core/runtime/cloudflare.ts';
import { createMediaLinks } from '../core/storage/media-links.ts';
import type { ObjectStore } from '../core/storage/object-store.ts';
import { createS3Store } from '../core/storage/s3-store.ts';
import { TaskStore } from '../core/store/task-store.ts';
import { createTaskService, type Logger, type TaskService } from '../core/tasks/service.ts';
import { createFsStore } from './fs-store.ts';

export interface NodeRuntime {
  config: Config;
  store: TaskStore;
  service: TaskService;
  objects: ObjectStore;
  /** Names this process in task leases. */
  workerId: string;
  close(): Promise<void>;
}

/** Builds the runtime from an environment such as process.env. */
export function createNodeRuntime(
  env: Record<string, string | undefined>,
  options: { logger?: Logger; objects?: ObjectStore } = {},
): NodeRuntime {
  const config = parseConfig(env);
  const store = new TaskStore(openRpc(config, env as never));
  const objects = options.objects ?? openObjectStore(config, env);

  const workerId = `node:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
  const service = createTaskService({
    config,
    store,
    queue: createPostgresQueue(store),
    objects,
    providers: createProviderRegistry(config),
    deliverers: createDeliverers(config),
    links: createMediaLinks(config),
    workerId,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { config, store, service, objects, workerId, close: () => store.close() };
}

function openObjectStore(config: Config, env: Record<string, string | undefined>): ObjectStore {
  if (config.R2_S3_ENDPOINT && config.R2_ACCESS_KEY_ID && config.R2_SECRET_ACCESS_KEY) {
    return createS3Store({
      endpoint: config.R2_S3_ENDPOINT,
      bucket: config.R2_BUCKET_NAME,
      accessKeyId: config.R2_ACCESS_KEY_ID,
      secretAccessKey: config.R2_SECRET_ACCESS_KEY,
    });
  }
  // LIMITATION: objects in a local folder are not served by anyone: the links handed out point
  // at the edge Worker's /media route, which reads R2. Use the folder only for development and
  // tests; in production give the Node consumer R2's S3 credentials.
  return createFsStore(env.STORAGE_DIR ?? join(process.cwd(), '.reelbot/storage'));
}
