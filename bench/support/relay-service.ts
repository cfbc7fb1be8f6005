/**
 * The task service the relay benchmark drives: real store (Postgres), real advanceTask, the
 * object store under test, and one provider whose job is already finished, so `advance` goes
 * straight to storeVideo (fetch, objects.put, the MP4 check, complete_task). Runtime-agnostic: the
 * Node runs and the workerd run (bench/relay-worker.ts) share it.
 */
import { parseConfig } from '../../core/config.ts';
import { failure, type Provider } from '../../core/providers/provider.ts';
import { registryOf } from '../../core/providers/registry.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import { createPostgresRpc } from '../../core/store/postgres-rpc.ts';
import { TaskStore } from '../../core/store/task-store.ts';
import { createTaskService, type TaskService } from '../../core/tasks/service.ts';

export const RELAY_PROVIDER = 'bench-relay';

// The job id is the result URL, so the provider needs no state of its own.
const finishedProvider: Provider = {
  name: RELAY_PROVIDER,
  capabilities: {
    imageToVideo: false,
    textToVideo: true,
    durations: [5],
    ratios: ['16:9'],
    imageInput: 'url',
    maxImageBytes: 1,
    imageTypes: ['image/png'],
    lastFrame: false,
  },
  submit: () =>
    Promise.resolve(failure('not_supported', 'The bench provider never submits.', false)),
  poll: (jobId) =>
    Promise.resolve({
      ok: true,
      state: 'succeeded',
      video: { url: jobId, contentType: 'video/mp4' },
    }),
};

export interface RelayService {
  service: TaskService;
  store: TaskStore;
  close(): Promise<void>;
}

/** Builds the service over `objects`; close() releases the database client. */
export function createRelayService(databaseUrl: string, objects: ObjectStore): RelayService {
  // The default 30 s provider timeout also bounds the body copy; the largest size needs longer
  // on a loaded machine, and the timeout is not what this benchmark measures.
  const config = parseConfig({
    DATABASE_URL: databaseUrl,
    RUNTIME_MODE: 'local',
    PROVIDER_TIMEOUT_MS: '300000',
  });
  const store = new TaskStore(createPostgresRpc(databaseUrl, { max: 2 }));
  const service = createTaskService({
    config,
    store,
    queue: { wake: () => Promise.resolve() },
    objects,
    providers: registryOf(new Map([[RELAY_PROVIDER, finishedProvider]]), RELAY_PROVIDER),
    deliverers: {},
    links: { link: (key) => Promise.resolve(key) },
    workerId: `bench:${crypto.randomUUID()}`,
  });
  return { service, store, close: () => store.close() };
}
