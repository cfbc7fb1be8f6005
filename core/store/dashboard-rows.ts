/**
 * The rows the dashboard_* SQL functions answer, as zod schemas (snake_case, as the SQL writes
 * them) and the types parsed from them.
 */
import { z } from 'zod';
import { TASK_SOURCES, TASK_STATUSES, taskEventSchema, taskRowSchema } from '../tasks/task.ts';

export const count = z.union([z.number(), z.string().transform(Number)]);
export const nullableNumber = z.union([z.number(), z.string().transform(Number)]).nullable();

export const breakdownSchema = z.object({
  name: z.string(),
  total: count,
  completed: count,
  failed: count,
  cost_usd: count,
});

export const overviewSchema = z.object({
  today: count,
  month: count,
  total: count,
  completed: count,
  failed: count,
  cost_usd: count,
  p50_seconds: nullableNumber,
  p95_seconds: nullableNumber,
  per_day: z.array(
    z.object({
      day: z.string(),
      pending: nullableNumber,
      processing: nullableNumber,
      completed: nullableNumber,
      failed: nullableNumber,
      canceled: nullableNumber,
      p50_seconds: nullableNumber,
      p95_seconds: nullableNumber,
    }),
  ),
  by_provider: z.array(breakdownSchema),
  by_platform: z.array(breakdownSchema),
  top_users: z.array(
    z.object({
      user_id: z.string(),
      platform: z.string(),
      platform_user_id: z.string(),
      display_name: z.string().nullable(),
      total: count,
      cost_usd: count,
    }),
  ),
});
export type Overview = z.output<typeof overviewSchema>;

export const taskItemSchema = z.object({
  id: z.string(),
  status: z.enum(TASK_STATUSES),
  provider: z.string(),
  source: z.enum(TASK_SOURCES),
  prompt: z.string(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  progress: z.number(),
  error_code: z.string().nullable(),
  attempts: z.number(),
  cost_usd: nullableNumber,
  user_id: z.string(),
  user_name: z.string().nullable(),
});
export type TaskItem = z.output<typeof taskItemSchema>;

export const taskPageSchema = z.object({ has_more: z.boolean(), items: z.array(taskItemSchema) });
export type TaskPage = z.output<typeof taskPageSchema>;

export const auditEntrySchema = z.object({
  id: z.number(),
  actor: z.string(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type AuditEntry = z.output<typeof auditEntrySchema>;

export const taskDetailSchema = z.object({
  task: taskRowSchema,
  user: z
    .object({
      id: z.string(),
      platform: z.string(),
      platform_user_id: z.string(),
      display_name: z.string().nullable(),
      banned_at: z.string().nullable(),
    })
    .nullable(),
  events: z.array(taskEventSchema),
  audit: z.array(auditEntrySchema),
});
export type TaskDetail = z.output<typeof taskDetailSchema>;

export const failedGroupSchema = z.object({
  error_code: z.string(),
  count: count,
  latest_at: z.string(),
  sample_message: z.string().nullable(),
  sample_task_id: z.string(),
});
export type FailedGroup = z.output<typeof failedGroupSchema>;

export const limitsShape = {
  daily_limit: z.number().nullable(),
  monthly_limit: z.number().nullable(),
  concurrent_limit: z.number().nullable(),
};
export const quotaDefaultsSchema = z.object(limitsShape);
export type QuotaDefaults = z.output<typeof quotaDefaultsSchema>;

export const userItemSchema = z.object({
  id: z.string(),
  platform: z.enum(TASK_SOURCES),
  platform_user_id: z.string(),
  display_name: z.string().nullable(),
  banned_at: z.string().nullable(),
  created_at: z.string(),
  tasks_30d: count,
  ...limitsShape,
});
export type UserItem = z.output<typeof userItemSchema>;
export const userPageSchema = z.object({ has_more: z.boolean(), items: z.array(userItemSchema) });
export type UserPage = z.output<typeof userPageSchema>;

export const usageScope = z.object({ used: z.number(), limit: z.number().nullable() });
export const userDetailSchema = z.object({
  user: z.object({
    id: z.string(),
    platform: z.enum(TASK_SOURCES),
    platform_user_id: z.string(),
    display_name: z.string().nullable(),
    banned_at: z.string().nullable(),
    ban_reason: z.string().nullable(),
    created_at: z.string(),
    ...limitsShape,
  }),
  defaults: quotaDefaultsSchema,
  usage: z.object({ daily: usageScope, monthly: usageScope, concurrent: usageScope }),
  totals: z.object({ total: count, completed: count, failed: count, cost_usd: count }),
  recent: z.array(taskItemSchema),
});
export type UserDetail = z.output<typeof userDetailSchema>;

export const providerStatSchema = z.object({
  name: z.string(),
  total: count,
  completed: count,
  failed: count,
  p50_seconds: nullableNumber,
  p95_seconds: nullableNumber,
});
export type ProviderStat = z.output<typeof providerStatSchema>;

export const auditPageSchema = z.object({
  has_more: z.boolean(),
  items: z.array(auditEntrySchema),
});
export type AuditPage = z.output<typeof auditPageSchema>;
