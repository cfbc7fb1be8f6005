/**
 * The Store: typed calls of the SQL functions in supabase/migrations. Written once over the
 * Rpc transport, so the postgres and supabase adapters behave identically.
 */
import { z } from 'zod';
import {
  taskEventSchema,
  taskRowSchema,
  type ReplyTarget,
  type Task,
  type TaskEvent,
  type TaskParams,
  type TaskSource,
} from '../tasks/task.ts';
import type { Rpc, RpcArgs } from './rpc.ts';

export interface User {
  id: string;
  platform: TaskSource;
  platformUserId: string;
  displayName: string | null;
  locale: 'en' | 'zh';
  settings: Record<string, unknown>;
  bannedAt: Date | null;
}

const userSchema = z
  .object({
    id: z.string(),
    platform: z.enum(['telegram', 'discord', 'api', 'dashboard']),
    platform_user_id: z.string(),
    display_name: z.string().nullable(),
    locale: z.enum(['en', 'zh']),
    settings: z.record(z.string(), z.unknown()),
    banned_at: z.string().nullable(),
  })
  .transform(
    (row): User => ({
      id: row.id,
      platform: row.platform,
      platformUserId: row.platform_user_id,
      displayName: row.display_name,
      locale: row.locale,
      settings: row.settings,
      bannedAt: row.banned_at ? new Date(row.banned_at) : null,
    }),
  );

const quotaScopeSchema = z.object({
  used: z.number(),
  limit: z.number().nullable(),
  reset_at: z.string().nullable(),
});
const quotaUsageSchema = z.object({
  daily: quotaScopeSchema,
  monthly: quotaScopeSchema,
  concurrent: quotaScopeSchema,
});
export type QuotaUsage = z.infer<typeof quotaUsageSchema>;
export type QuotaScope = keyof QuotaUsage;

const createResultSchema = z.union([
  z.object({ ok: z.literal(true), created: z.boolean(), task: taskRowSchema }),
  z.object({
    ok: z.literal(false),
    code: z.literal('quota_exceeded'),
    scope: z.enum(['daily', 'monthly', 'concurrent']),
    limit: z.number(),
    reset_at: z.string().nullable(),
  }),
  z.object({
    ok: z.literal(false),
    code: z.enum(['unknown_user', 'banned', 'idempotency_conflict']),
  }),
]);
export type CreateTaskResult = z.infer<typeof createResultSchema>;

const albumItemSchema = z
  .object({
    message_id: z.number().int(),
    file_id: z.string(),
    prompt: z.string(),
    addressed: z.boolean(),
  })
  .transform((row) => ({
    messageId: row.message_id,
    fileId: row.file_id,
    prompt: row.prompt,
    addressed: row.addressed,
  }));
/** One photo of a Telegram album, as recorded by the webhook. */
export type AlbumItem = z.output<typeof albumItemSchema>;

const albumClaimSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('claimed'), items: z.array(albumItemSchema) }),
  z.object({ state: z.literal('wait'), wait_ms: z.number().int() }),
  z.object({ state: z.literal('taken') }),
]);
export type AlbumClaim = z.output<typeof albumClaimSchema>;

/** Identifies one Telegram album. */
export interface AlbumRef {
  chatId: number;
  mediaGroupId: string;
}

const apiKeySchema = z.object({ id: z.string(), user_id: z.string(), name: z.string() });
export type ApiKeyRecord = z.infer<typeof apiKeySchema>;

export interface NewTask {
  userId: string;
  source: TaskSource;
  prompt: string;
  provider: string;
  model?: string | null;
  params: TaskParams;
  replyTarget?: ReplyTarget | null;
  inputKey?: string | null;
  inputImageUrl?: string | null;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  maxAttempts: number;
  deadlineSeconds: number;
  /** Created on hold: first due this many seconds from now unless woken earlier. */
  holdSeconds?: number;
}

export interface FailTaskInput {
  code: string;
  message: string;
  retryable: boolean;
  delayMs?: number;
  clearJob?: boolean;
}

const nullableTask = taskRowSchema.nullable();
const idList = z.array(z.string());

/** Typed access to every task and user function of the schema. */
export class TaskStore {
  constructor(private readonly rpc: Rpc) {}

  private async call<T extends z.ZodType>(fn: string, args: RpcArgs, schema: T) {
    return schema.parse(await this.rpc.call(fn, args)) as z.output<T>;
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  ensureUser(platform: TaskSource, platformUserId: string, displayName?: string): Promise<User> {
    return this.call(
      'ensure_user',
      {
        p_platform: platform,
        p_platform_user_id: platformUserId,
        p_display_name: displayName ?? null,
      },
      userSchema,
    );
  }

  createTask(task: NewTask): Promise<CreateTaskResult> {
    const held = task.holdSeconds !== undefined && task.holdSeconds > 0;
    return this.call(
      held ? 'create_task_held' : 'create_task',
      {
        ...(held ? { p_hold_seconds: Math.ceil(task.holdSeconds ?? 0) } : {}),
        p_user_id: task.userId,
        p_source: task.source,
        p_prompt: task.prompt,
        p_provider: task.provider,
        p_model: task.model ?? null,
        p_params: task.params,
        p_reply_target: task.replyTarget ?? null,
        p_input_key: task.inputKey ?? null,
        p_input_image_url: task.inputImageUrl ?? null,
        p_idempotency_key: task.idempotencyKey ?? null,
        p_request_hash: task.requestHash ?? null,
        p_max_attempts: task.maxAttempts,
        p_deadline_seconds: task.deadlineSeconds,
      },
      createResultSchema,
    );
  }

  getTask(taskId: string, userId?: string): Promise<Task | null> {
    return this.call('get_task', { p_task_id: taskId, p_user_id: userId ?? null }, nullableTask);
  }

  listTaskEvents(taskId: string): Promise<TaskEvent[]> {
    return this.call('list_task_events', { p_task_id: taskId }, z.array(taskEventSchema));
  }

  getQuotaUsage(userId: string): Promise<QuotaUsage | null> {
    return this.call('get_quota_usage', { p_user_id: userId }, quotaUsageSchema.nullable());
  }

  queuePosition(taskId: string): Promise<number> {
    return this.call('queue_position', { p_task_id: taskId }, z.number());
  }

  claimTask(taskId: string, worker: string, leaseSeconds: number): Promise<Task | null> {
    return this.call(
      'claim_task',
      { p_task_id: taskId, p_worker: worker, p_lease_seconds: leaseSeconds },
      nullableTask,
    );
  }

  extendLease(taskId: string, worker: string, leaseSeconds: number): Promise<boolean> {
    return this.call(
      'extend_lease',
      { p_task_id: taskId, p_worker: worker, p_lease_seconds: leaseSeconds },
      z.boolean(),
    );
  }

  recordSubmission(
    taskId: string,
    worker: string,
    submission: { provider: string; jobId: string; pollAfterMs: number },
  ): Promise<Task | null> {
    return this.call(
      'record_submission',
      {
        p_task_id: taskId,
        p_worker: worker,
        p_provider: submission.provider,
        p_provider_job_id: submission.jobId,
        p_poll_after_ms: Math.round(submission.pollAfterMs),
      },
      nullableTask,
    );
  }

  recordProgress(
    taskId: string,
    worker: string,
    progress: number | null,
    pollAfterMs: number,
  ): Promise<Task | null> {
    return this.call(
      'record_progress',
      {
        p_task_id: taskId,
        p_worker: worker,
        p_progress: progress === null ? null : Math.round(progress),
        p_poll_after_ms: Math.round(pollAfterMs),
      },
      nullableTask,
    );
  }

  completeTask(
    taskId: string,
    worker: string,
    output: { key: string; bytes: number; costUsd?: number | null },
  ): Promise<Task | null> {
    return this.call(
      'complete_task',
      {
        p_task_id: taskId,
        p_worker: worker,
        p_output_key: output.key,
        p_output_bytes: output.bytes,
        p_cost_usd: output.costUsd ?? null,
      },
      nullableTask,
    );
  }

  failTask(taskId: string, worker: string, failure: FailTaskInput): Promise<Task | null> {
    return this.call(
      'fail_task',
      {
        p_task_id: taskId,
        p_worker: worker,
        p_code: failure.code,
        p_message: failure.message,
        p_retryable: failure.retryable,
        p_delay_ms: Math.round(failure.delayMs ?? 0),
        p_clear_job: failure.clearJob ?? false,
      },
      nullableTask,
    );
  }

  releaseTask(taskId: string, worker: string, delayMs: number): Promise<boolean> {
    return this.call(
      'release_task',
      { p_task_id: taskId, p_worker: worker, p_delay_ms: Math.round(delayMs) },
      z.boolean(),
    );
  }

  markDelivered(taskId: string, worker: string): Promise<boolean> {
    return this.call('mark_delivered', { p_task_id: taskId, p_worker: worker }, z.boolean());
  }

  recordDeliveryFailure(
    taskId: string,
    worker: string,
    failure: { message: string; delayMs: number; giveUp: boolean },
  ): Promise<boolean> {
    return this.call(
      'record_delivery_failure',
      {
        p_task_id: taskId,
        p_worker: worker,
        p_message: failure.message,
        p_delay_ms: Math.round(failure.delayMs),
        p_give_up: failure.giveUp,
      },
      z.boolean(),
    );
  }

  retryTask(taskId: string, actor: string): Promise<Task | null> {
    return this.call('retry_task', { p_task_id: taskId, p_actor: actor }, nullableTask);
  }

  cancelTask(taskId: string, actor: string, userId?: string): Promise<Task | null> {
    return this.call(
      'cancel_task',
      { p_task_id: taskId, p_actor: actor, p_user_id: userId ?? null },
      nullableTask,
    );
  }

  /**
   * Due tasks. With `worker`, each is reserved for that worker (the Postgres-table queue);
   * without, they are only reported (the sweeper wakes them again).
   */
  dequeueDue(
    limit: number,
    reserveSeconds: number,
    overdueSeconds = 0,
    worker: string | null = null,
  ): Promise<string[]> {
    return this.call(
      'dequeue_due',
      {
        p_limit: limit,
        p_reserve_seconds: reserveSeconds,
        p_overdue_seconds: overdueSeconds,
        p_worker: worker,
      },
      idList,
    );
  }

  wakeTask(taskId: string, delayMs: number): Promise<boolean> {
    return this.call(
      'wake_task',
      { p_task_id: taskId, p_delay_ms: Math.round(delayMs) },
      z.boolean(),
    );
  }

  expireOverdueTasks(limit = 100): Promise<string[]> {
    return this.call('expire_overdue_tasks', { p_limit: limit }, idList);
  }

  findApiKey(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.call('find_api_key', { p_key_hash: keyHash }, apiKeySchema.nullable());
  }

  createApiKey(userId: string, name: string, keyHash: string, prefix: string) {
    return this.call(
      'create_api_key',
      { p_user_id: userId, p_name: name, p_key_hash: keyHash, p_key_prefix: prefix },
      apiKeySchema,
    );
  }

  recordUpdate(platform: string, updateId: string): Promise<boolean> {
    return this.call('record_update', { p_platform: platform, p_update_id: updateId }, z.boolean());
  }

  /** Records an album item; false when the album was claimed before it arrived. */
  addAlbumItem(album: AlbumRef, item: AlbumItem): Promise<boolean> {
    return this.call(
      'telegram_album_add',
      {
        p_chat_id: album.chatId,
        p_media_group_id: album.mediaGroupId,
        p_message_id: item.messageId,
        p_file_id: item.fileId,
        p_prompt: item.prompt,
        p_addressed: item.addressed,
      },
      z.boolean(),
    );
  }

  /** Claims the album once no item has arrived for `quietMs`. */
  claimAlbum(album: AlbumRef, quietMs: number): Promise<AlbumClaim> {
    return this.call(
      'telegram_album_claim',
      { p_chat_id: album.chatId, p_media_group_id: album.mediaGroupId, p_quiet_ms: quietMs },
      albumClaimSchema,
    );
  }

  /** A recorded album's items in the order they were sent ([] when unknown or expired). */
  albumItems(album: AlbumRef): Promise<AlbumItem[]> {
    return this.call(
      'telegram_album_items_json',
      { p_chat_id: album.chatId, p_media_group_id: album.mediaGroupId },
      z.array(albumItemSchema),
    );
  }

  /** Merges `patch` into the user's settings (null removes a key); sets the locale if given. */
  updateUserSettings(
    userId: string,
    patch: Record<string, unknown>,
    locale?: User['locale'],
  ): Promise<User | null> {
    return this.call(
      'update_user_settings',
      { p_user_id: userId, p_patch: patch, p_locale: locale ?? null },
      userSchema.nullable(),
    );
  }

  /** The user's newest tasks, newest first. */
  listUserTasks(userId: string, limit = 5): Promise<Task[]> {
    return this.call(
      'list_user_tasks',
      { p_user_id: userId, p_limit: limit },
      z.array(taskRowSchema),
    );
  }

  /** Moves a task whose submission failed to provider `to` (failover); null if not ours. */
  switchProvider(
    taskId: string,
    worker: string,
    change: { from: string; to: string; code: string; message: string; costUsd: number | null },
  ): Promise<Task | null> {
    return this.call(
      'switch_provider',
      {
        p_task_id: taskId,
        p_worker: worker,
        p_from: change.from,
        p_to: change.to,
        p_code: change.code,
        p_message: change.message,
        p_cost_usd: change.costUsd,
      },
      nullableTask,
    );
  }

  /** Records a new task's estimated cost. */
  recordCostEstimate(taskId: string, costUsd: number): Promise<boolean> {
    return this.call(
      'record_cost_estimate',
      { p_task_id: taskId, p_cost_usd: costUsd },
      z.boolean(),
    );
  }

  /** Tasks, completions and cost per provider for tasks created in [from, to). */
  providerCostTotals(from: Date, to: Date): Promise<ProviderCostTotal[]> {
    return this.call(
      'provider_cost_totals',
      { p_from: from.toISOString(), p_to: to.toISOString() },
      z.array(providerCostTotalSchema),
    );
  }

  /** The same per user, most expensive first. */
  userCostTotals(from: Date, to: Date, limit = 50): Promise<UserCostTotal[]> {
    return this.call(
      'user_cost_totals',
      { p_from: from.toISOString(), p_to: to.toISOString(), p_limit: limit },
      z.array(userCostTotalSchema),
    );
  }
}

const costCounts = { tasks: z.number(), completed: z.number(), cost_usd: z.number() };
const providerCostTotalSchema = z.object({ provider: z.string(), ...costCounts });
const userCostTotalSchema = z.object({ user_id: z.string(), ...costCounts });
export type ProviderCostTotal = z.infer<typeof providerCostTotalSchema>;
export type UserCostTotal = z.infer<typeof userCostTotalSchema>;
