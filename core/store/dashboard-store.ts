/**
 * The dashboard's reads and admin actions: typed calls of the dashboard_* SQL functions over
 * the same Rpc transport as the TaskStore, so both database adapters serve the dashboard.
 */
import { z } from 'zod';
import { taskRowSchema, type TaskSource, type TaskStatus } from '../tasks/task.ts';
import {
  auditPageSchema,
  count,
  failedGroupSchema,
  overviewSchema,
  providerStatSchema,
  quotaDefaultsSchema,
  taskDetailSchema,
  taskPageSchema,
  userDetailSchema,
  userPageSchema,
} from './dashboard-rows.ts';
import type {
  AuditPage,
  FailedGroup,
  Overview,
  ProviderStat,
  QuotaDefaults,
  TaskDetail,
  TaskPage,
  UserDetail,
  UserPage,
} from './dashboard-rows.ts';
import type { Rpc, RpcArgs } from './rpc.ts';

export type {
  AuditEntry,
  AuditPage,
  FailedGroup,
  Overview,
  ProviderStat,
  QuotaDefaults,
  TaskDetail,
  TaskItem,
  TaskPage,
  UserDetail,
  UserItem,
  UserPage,
} from './dashboard-rows.ts';

export interface TaskFilters {
  status?: TaskStatus | undefined;
  provider?: string | undefined;
  source?: TaskSource | undefined;
  userId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  search?: string | undefined;
  errorCode?: string | undefined;
}

/** A keyset position: the (created_at, id) of the row to continue from. */
export interface Cursor {
  createdAt: string;
  id: string;
  direction: 'older' | 'newer';
}

export interface Limits {
  daily: number | null;
  monthly: number | null;
  concurrent: number | null;
}

/** Typed access to the dashboard_* SQL functions. */
export class DashboardStore {
  constructor(private readonly rpc: Rpc) {}

  private async call<T extends z.ZodType>(fn: string, args: RpcArgs, schema: T) {
    return schema.parse(await this.rpc.call(fn, args)) as z.output<T>;
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  overview(from: Date, to: Date): Promise<Overview> {
    const args = { p_from: from.toISOString(), p_to: to.toISOString() };
    return this.call('dashboard_overview', args, overviewSchema);
  }

  listTasks(filters: TaskFilters, cursor: Cursor | null, limit = 50): Promise<TaskPage> {
    return this.call(
      'dashboard_list_tasks',
      {
        p_status: filters.status ?? null,
        p_provider: filters.provider ?? null,
        p_source: filters.source ?? null,
        p_user_id: filters.userId ?? null,
        p_from: filters.from?.toISOString() ?? null,
        p_to: filters.to?.toISOString() ?? null,
        p_search: filters.search ?? null,
        p_cursor_created: cursor?.createdAt ?? null,
        p_cursor_id: cursor?.id ?? null,
        p_direction: cursor?.direction ?? 'older',
        p_limit: limit,
        p_error_code: filters.errorCode ?? null,
      },
      taskPageSchema,
    );
  }

  getTask(taskId: string): Promise<TaskDetail | null> {
    return this.call('dashboard_get_task', { p_task_id: taskId }, taskDetailSchema.nullable());
  }

  failedGroups(): Promise<FailedGroup[]> {
    return this.call('dashboard_failed_groups', {}, z.array(failedGroupSchema));
  }

  /** Failed task ids of one error code (null: all), oldest first. */
  failedTaskIds(errorCode: string | null, limit: number): Promise<string[]> {
    const args = { p_error_code: errorCode, p_limit: limit };
    return this.call('dashboard_failed_task_ids', args, z.array(z.string()));
  }

  listUsers(
    search: string | null,
    platform: TaskSource | null,
    cursor: { createdAt: string; id: string } | null,
    limit = 50,
  ): Promise<UserPage> {
    return this.call(
      'dashboard_list_users',
      {
        p_search: search,
        p_platform: platform,
        p_cursor_created: cursor?.createdAt ?? null,
        p_cursor_id: cursor?.id ?? null,
        p_limit: limit,
      },
      userPageSchema,
    );
  }

  getUser(userId: string): Promise<UserDetail | null> {
    return this.call('dashboard_get_user', { p_user_id: userId }, userDetailSchema.nullable());
  }

  quotaDefaults(): Promise<QuotaDefaults> {
    return this.call('dashboard_get_quota_defaults', {}, quotaDefaultsSchema);
  }

  setUserLimits(userId: string, limits: Limits, actor: string): Promise<boolean> {
    return this.call(
      'dashboard_set_user_limits',
      {
        p_user_id: userId,
        p_daily: limits.daily,
        p_monthly: limits.monthly,
        p_concurrent: limits.concurrent,
        p_actor: actor,
      },
      z.boolean(),
    );
  }

  setQuotaDefaults(limits: Limits, actor: string): Promise<boolean> {
    return this.call(
      'dashboard_set_quota_defaults',
      {
        p_daily: limits.daily,
        p_monthly: limits.monthly,
        p_concurrent: limits.concurrent,
        p_actor: actor,
      },
      z.boolean(),
    );
  }

  setUserBan(userId: string, banned: boolean, reason: string | null, actor: string) {
    return this.call(
      'dashboard_set_user_ban',
      { p_user_id: userId, p_banned: banned, p_reason: reason, p_actor: actor },
      z.boolean(),
    );
  }

  /** Hands a finished task back to delivery; false when it has no origin or is not finished. */
  async redeliverTask(taskId: string, actor: string): Promise<boolean> {
    const args = { p_task_id: taskId, p_actor: actor };
    return (await this.call('dashboard_redeliver_task', args, taskRowSchema.nullable())) !== null;
  }

  providerStats(since: Date): Promise<ProviderStat[]> {
    const args = { p_since: since.toISOString() };
    return this.call('dashboard_provider_stats', args, z.array(providerStatSchema));
  }

  listAudit(
    filters: { actor?: string | undefined; action?: string | undefined },
    cursorId: number | null,
    limit = 50,
  ): Promise<AuditPage> {
    return this.call(
      'dashboard_list_audit',
      {
        p_actor: filters.actor ?? null,
        p_action: filters.action ?? null,
        p_cursor_id: cursorId,
        p_limit: limit,
      },
      auditPageSchema,
    );
  }

  /** Writes one audit entry; the admin actions that change rows write their own. */
  async audit(
    actor: string,
    action: string,
    target: { type: string; id: string } | null,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    await this.call(
      'dashboard_audit',
      {
        p_actor: actor,
        p_action: action,
        p_target_type: target?.type ?? null,
        p_target_id: target?.id ?? null,
        p_detail: detail,
      },
      count,
    );
  }

  loginAllowed(client: string): Promise<boolean> {
    return this.call('dashboard_login_allowed', { p_client: client }, z.boolean());
  }
}
