// The task service as the Node consumer builds it, on the real test database, a folder for
// objects, and a scriptable fake provider over real HTTP. A webhook receiver counts deliveries.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsStore } from '../../consumer/fs-store.ts';
import { parseConfig, type Config } from '../../core/config.ts';
import { createWebhookDeliverer } from '../../core/delivery/webhook.ts';
import { createLocalProvider } from '../../core/providers/local.ts';
import { registryOf } from '../../core/providers/registry.ts';
import type { TaskQueue } from '../../core/queue/task-queue.ts';
import { createMediaLinks } from '../../core/storage/media-links.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import { createPostgresRpc } from '../../core/store/postgres-rpc.ts';
import { TaskStore } from '../../core/store/task-store.ts';
import {
  createTaskService,
  type TaskService,
  type TaskServiceDeps,
} from '../../core/tasks/service.ts';
import { startFakeProvider, type FakeProvider } from '../fakes/fake-provider.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';

export interface WebhookReceiver {
  /** An https URL the deliverer maps onto the local receiver (the guard sees a public host). */
  url: string;
  received: { body: Record<string, unknown>; signature: string }[];
  /** Status codes for the next requests, in order; 200 after. */
  failNext: number[];
}

export interface ServiceHarness {
  config: Config;
  store: TaskStore;
  objects: ObjectStore;
  fake: FakeProvider;
  webhook: WebhookReceiver;
  /** Wake-ups the service asked for, newest last. */
  wakes: { taskId: string; delayMs: number }[];
  /** A service with its own worker id, as a separate consumer process would have. */
  service(workerId?: string, overrides?: Partial<TaskServiceDeps>): TaskService;
  close(): Promise<void>;
}

const WEBHOOK_HOST = 'https://hooks.example.com';

/** Starts everything; call close() in afterAll. */
export async function startServiceHarness(settings: Record<string, string> = {}) {
  const fake = await startFakeProvider({ port: 0, host: '127.0.0.1' });
  const storageDir = await mkdtemp(join(tmpdir(), 'reelbot-objects-'));
  const objects = createFsStore(storageDir);
  const config = parseConfig({
    RUNTIME_MODE: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    LOCAL_PROVIDER_URL: fake.url,
    PROVIDER_TIMEOUT_MS: '1500',
    LEASE_SECONDS: '30',
    ...settings,
  });
  const store = new TaskStore(createPostgresRpc(TEST_DATABASE_URL, { max: 10 }));

  const webhook: WebhookReceiver = { url: `${WEBHOOK_HOST}/hook`, received: [], failNext: [] };
  const receiver = await listen((body, signature) => {
    webhook.received.push({ body, signature });
    return webhook.failNext.shift() ?? 200;
  });
  // The deliverer checks the public https URL, then the request is carried to the receiver.
  const hookFetch: typeof fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    return fetch(url.replace(WEBHOOK_HOST, receiver.url), init);
  };

  const wakes: ServiceHarness['wakes'] = [];
  const queue: TaskQueue = {
    async wake(taskId, delayMs = 0) {
      wakes.push({ taskId, delayMs });
    },
  };

  const providers = registryOf(
    new Map([['local', createLocalProvider({ baseUrl: fake.url, timeoutMs: 1500 })]]),
    'local',
  );

  const harness: ServiceHarness = {
    config,
    store,
    objects,
    fake,
    webhook,
    wakes,
    service: (workerId = `test:${crypto.randomUUID()}`, overrides = {}) =>
      createTaskService({
        config,
        store,
        queue,
        objects,
        providers,
        deliverers: {
          webhook: createWebhookDeliverer({ secret: config.SIGNING_SECRET, fetch: hookFetch }),
        },
        links: createMediaLinks(config),
        workerId,
        random: () => 0.5,
        ...overrides,
      }),
    async close() {
      await store.close();
      await fake.close();
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
      await rm(storageDir, { recursive: true, force: true });
    },
  };
  return harness;
}

async function listen(
  handle: (body: Record<string, unknown>, signature: string) => number,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      res.writeHead(handle(body, String(req.headers['reelbot-signature'] ?? '')));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
