/**
 * `npm run consumer`: a Node process that works the Postgres-table queue (self-hosting without
 * Cloudflare Queues). It takes due tasks with dequeue_due (FOR UPDATE SKIP LOCKED), so several
 * can run side by side, and it sweeps for tasks past their deadline.
 */
import { pathToFileURL } from 'node:url';
import type { TaskService } from '../core/tasks/service.ts';
import type { TaskStore } from '../core/store/task-store.ts';
import { jsonLogger } from '../core/runtime/logger.ts';
import { createNodeRuntime } from './node-runtime.ts';

export interface ConsumerOptions {
  service: TaskService;
  store: TaskStore;
  /** The service's worker id: due tasks are reserved for it, so its claims go through. */
  workerId: string;
  /** Steps run at once by this process. */
  concurrency: number;
  /** How long a taken task is reserved before another consumer may take it. */
  reserveSeconds: number;
  idleDelayMs?: number;
  sweepEveryMs?: number;
  signal: AbortSignal;
  onError?: (taskId: string, error: unknown) => void;
}

/** Runs until the signal aborts, then waits for the steps in flight. */
export async function runConsumer(options: ConsumerOptions): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let lastSweep = 0;

  while (!options.signal.aborted) {
    if (Date.now() - lastSweep >= (options.sweepEveryMs ?? 30_000)) {
      lastSweep = Date.now();
      await options.store.expireOverdueTasks().catch(() => undefined);
    }

    const free = options.concurrency - inFlight.size;
    const ids =
      free > 0
        ? await options.store.dequeueDue(free, options.reserveSeconds, 0, options.workerId)
        : [];
    for (const taskId of ids) {
      const step: Promise<void> = options.service
        .advance(taskId)
        .then(() => undefined)
        .catch((error: unknown) => options.onError?.(taskId, error))
        .finally(() => inFlight.delete(step));
      inFlight.add(step);
    }

    if (ids.length === 0 || inFlight.size >= options.concurrency) {
      await Promise.race([
        sleep(options.idleDelayMs ?? 500, options.signal),
        ...(inFlight.size >= options.concurrency ? inFlight : []),
      ]);
    }
  }
  await Promise.allSettled(inFlight);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function main(): Promise<void> {
  const logger = jsonLogger({ process: 'consumer', pid: process.pid });
  const runtime = createNodeRuntime(process.env, { logger });
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info('consumer.stopping', { signal });
      controller.abort();
    });
  }

  const concurrency = Number(process.env.CONSUMER_CONCURRENCY ?? 4);
  logger.info('consumer.started', { concurrency });
  await runConsumer({
    service: runtime.service,
    store: runtime.store,
    workerId: runtime.workerId,
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 4,
    reserveSeconds: runtime.config.LEASE_SECONDS,
    signal: controller.signal,
    onError: (taskId, error) =>
      logger.error('task.step_failed', {
        taskId,
        error: error instanceof Error ? error.name : 'unknown',
      }),
  });
  await runtime.close();
  logger.info('consumer.stopped');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
