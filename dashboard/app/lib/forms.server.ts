/** Reading form fields: absent and blank are the same, numbers are whole and not negative. */
import { TASK_SOURCES, TASK_STATUSES } from '../../../core/tasks/task.ts';
import type { TaskSource, TaskStatus } from '../../../core/tasks/task.ts';

type FieldValue = ReturnType<FormData['get']> | undefined;

/** A trimmed text field, or undefined when absent or blank. */
export function text(value: FieldValue): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A limit field: blank is null (use the default), else a whole number of at least 0. */
export function limit(value: FieldValue): number | null | 'invalid' {
  const raw = text(value);
  if (raw === undefined) return null;
  if (!/^\d{1,9}$/.test(raw)) return 'invalid';
  return Number(raw);
}

export function status(value: string | null): TaskStatus | undefined {
  return TASK_STATUSES.find((candidate) => candidate === value);
}

export function source(value: string | null): TaskSource | undefined {
  return TASK_SOURCES.find((candidate) => candidate === value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuid(value: FieldValue): string | undefined {
  const raw = text(value);
  return raw && UUID.test(raw) ? raw.toLowerCase() : undefined;
}

/** A yyyy-mm-dd date as the start of that day in UTC. */
export function day(value: string | null): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
