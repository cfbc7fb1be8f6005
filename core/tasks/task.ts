/**
 * The task model: a request for one video, from its creation to its delivery. The database
 * row (snake_case JSON from the SQL functions) is parsed once here into a typed Task.
 */
import { z } from 'zod';
import { ASPECT_RATIOS } from '../providers/provider.ts';

export const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'canceled'];

export const TASK_SOURCES = ['telegram', 'discord', 'api', 'dashboard'] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

const imageContentType = z.enum(['image/jpeg', 'image/png', 'image/webp']);

export const taskParamsSchema = z.object({
  duration: z.number().int(),
  ratio: z.enum(ASPECT_RATIOS),
  inputContentType: imageContentType.optional(),
  /** The stored image the video ends on (first and last frames as keyframes). */
  lastFrame: z.object({ key: z.string().min(1), contentType: imageContentType }).optional(),
});
export type TaskParams = z.infer<typeof taskParamsSchema>;

/**
 * Where a finished task is reported. Chat targets carry their frontend's own fields (chat ids,
 * interaction tokens), which that frontend's deliverer validates.
 */
export const replyTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webhook'), url: z.url() }),
  z.looseObject({ kind: z.literal('telegram') }),
  z.looseObject({ kind: z.literal('discord') }),
]);
export type ReplyTarget = z.infer<typeof replyTargetSchema>;

const timestamp = z.string().transform((value) => new Date(value));
const nullableTimestamp = timestamp.nullable();

export const taskRowSchema = z
  .object({
    id: z.string(),
    user_id: z.string(),
    status: z.enum(TASK_STATUSES),
    input_image_url: z.string().nullable(),
    output_video_url: z.string().nullable(),
    prompt: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
    source: z.enum(TASK_SOURCES),
    reply_target: replyTargetSchema.nullable(),
    provider: z.string(),
    model: z.string().nullable(),
    params: taskParamsSchema,
    provider_job_id: z.string().nullable(),
    attempts: z.number().int(),
    submission_round: z.number().int(),
    max_attempts: z.number().int(),
    next_run_at: nullableTimestamp,
    lease_until: nullableTimestamp,
    lease_owner: z.string().nullable(),
    progress: z.number().int(),
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    input_key: z.string().nullable(),
    output_key: z.string().nullable(),
    output_bytes: z.number().nullable(),
    cost_usd: z.union([z.number(), z.string().transform(Number)]).nullable(),
    idempotency_key: z.string().nullable(),
    quota_charged: z.boolean(),
    deadline_at: timestamp,
    delivery_attempts: z.number().int(),
    started_at: nullableTimestamp,
    completed_at: nullableTimestamp,
    delivered_at: nullableTimestamp,
  })
  .transform((row) => ({
    id: row.id,
    userId: row.user_id,
    status: row.status,
    inputImageUrl: row.input_image_url,
    outputVideoUrl: row.output_video_url,
    prompt: row.prompt,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    source: row.source,
    replyTarget: row.reply_target,
    provider: row.provider,
    model: row.model,
    params: row.params,
    providerJobId: row.provider_job_id,
    attempts: row.attempts,
    submissionRound: row.submission_round,
    maxAttempts: row.max_attempts,
    nextRunAt: row.next_run_at,
    leaseUntil: row.lease_until,
    progress: row.progress,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    inputKey: row.input_key,
    outputKey: row.output_key,
    outputBytes: row.output_bytes,
    costUsd: row.cost_usd,
    deadlineAt: row.deadline_at,
    deliveryAttempts: row.delivery_attempts,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    deliveredAt: row.delivered_at,
  }));

export type Task = z.output<typeof taskRowSchema>;

export const taskEventSchema = z
  .object({
    id: z.number(),
    task_id: z.string(),
    type: z.string(),
    detail: z.record(z.string(), z.unknown()),
    created_at: timestamp,
  })
  .transform((row) => ({
    id: row.id,
    taskId: row.task_id,
    type: row.type,
    detail: row.detail,
    createdAt: row.created_at,
  }));
export type TaskEvent = z.output<typeof taskEventSchema>;

/** True once a task will not change state again by itself. */
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
