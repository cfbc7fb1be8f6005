/**
 * The task service: the one place frontends and consumers go to create, advance, retry and
 * cancel tasks. It is built from ports (store, queue, object store, providers, deliverers), so
 * the same code runs in the Worker, the Node consumer and the tests.
 */
import type { Config } from '../config.ts';
import type { DelivererMap } from '../delivery/delivery.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import { advanceTask, type AdvanceOutcome } from './advance.ts';
import {
  createTask,
  sendWakeUp,
  type CreateTaskInput,
  type CreateTaskOutcome,
} from './create-task.ts';
import type { Task } from './task.ts';

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Turns an object key into a time-limited link a browser or a provider can open. */
export interface MediaLinks {
  link(key: string): Promise<string>;
}

export interface TaskServiceDeps {
  config: Config;
  store: TaskStore;
  queue: TaskQueue;
  objects: ObjectStore;
  providers: ProviderRegistry;
  deliverers: DelivererMap;
  links: MediaLinks;
  /** Names this worker in leases; unique per process or request. */
  workerId: string;
  fetch?: typeof fetch;
  resolveHost?: (hostname: string) => Promise<string[]>;
  logger?: Logger;
  random?: () => number;
}

export interface SweepResult {
  expired: string[];
  woken: string[];
}

export interface TaskService {
  create(input: CreateTaskInput): Promise<CreateTaskOutcome>;
  /** Starts a task created with `holdSeconds` now. */
  release(taskId: string): Promise<void>;
  advance(taskId: string): Promise<AdvanceOutcome>;
  retry(taskId: string, actor: string): Promise<Task | null>;
  cancel(taskId: string, actor: string, userId?: string): Promise<Task | null>;
  sweep(options?: { overdueSeconds?: number; limit?: number }): Promise<SweepResult>;
}

/** Builds the task service over its ports. */
export function createTaskService(deps: TaskServiceDeps): TaskService {
  return {
    create: (input) => createTask(deps, input),

    async release(taskId) {
      await deps.store.wakeTask(taskId, 0);
      await sendWakeUp(deps, taskId);
    },
    advance: (taskId) => advanceTask(deps, taskId),

    async retry(taskId, actor) {
      const task = await deps.store.retryTask(taskId, actor);
      if (task) await deps.queue.wake(task.id);
      return task;
    },

    async cancel(taskId, actor, userId) {
      const task = await deps.store.cancelTask(taskId, actor, userId);
      if (!task) return null;
      const provider = deps.providers.get(task.provider);
      if (task.providerJobId && provider?.cancel) {
        // Best effort: the provider may have finished already; we stop caring either way.
        await provider.cancel(task.providerJobId).catch(() => undefined);
      }
      if (task.replyTarget) await deps.queue.wake(task.id);
      return task;
    },

    async sweep(options = {}) {
      const expired = await deps.store.expireOverdueTasks(options.limit ?? 100);
      // Tasks whose wake-up is overdue lost their message (or their worker): wake them again.
      const due = await deps.store.dequeueDue(
        options.limit ?? 100,
        deps.config.LEASE_SECONDS,
        options.overdueSeconds ?? 30,
      );
      const woken = [...new Set([...expired, ...due])];
      for (const taskId of woken) await deps.queue.wake(taskId);
      if (woken.length > 0)
        deps.logger?.info('sweep', { expired: expired.length, woken: woken.length });
      return { expired, woken };
    },
  };
}
