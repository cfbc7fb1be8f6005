/**
 * The task statuses and platforms for the browser's filter menus. Kept apart from
 * core/tasks/task.ts, whose zod schemas would otherwise ship to the browser; the types tie them
 * to core's lists.
 */
import type { TaskSource, TaskStatus } from '../../../core/tasks/task.ts';

export const STATUS_OPTIONS = [
  'pending',
  'processing',
  'completed',
  'failed',
  'canceled',
] as const satisfies readonly TaskStatus[];

export const PLATFORM_OPTIONS = [
  'telegram',
  'discord',
  'api',
  'dashboard',
] as const satisfies readonly TaskSource[];
