// The queue consumer and the sweeper inside workerd: messages are acked only when their step
// ran, faults are retried with a delay, duplicates never submit twice, overdue tasks are woken.
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../worker.ts';
import { testSql } from '../helpers/database.ts';
import { createTestUser } from '../helpers/users.ts';

let sql: postgres.Sql;
beforeAll(() => {
  sql = testSql();
});
afterAll(() => sql.end());

async function newTask(prompt = 'a quiet street', deadlineSeconds = 300): Promise<string> {
  const { userId } = await createTestUser(sql);
  const [row] = await sql<{ r: { task: { id: string } } }[]>`
    select create_task(p_user_id => ${userId}, p_source => 'api', p_prompt => ${prompt},
      p_provider => 'local', p_params => ${sql.json({ duration: 1, ratio: '1:1' })},
      p_deadline_seconds => ${deadlineSeconds}) as r`;
  if (!row) throw new Error('no task');
  return row.r.task.id;
}

function batchOf(bodies: unknown[]) {
  return createMessageBatch(
    'reelbot-tasks',
    bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
  );
}

async function run(bodies: unknown[], overrides: Record<string, string> = {}) {
  const batch = batchOf(bodies);
  // getQueueResult does not report delays; record what each retry asked for.
  const delays: (number | undefined)[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      delays.push(options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<{ taskId: string }>, { ...env, ...overrides }, ctx);
  return { batch, delays, result: await getQueueResult(batch, ctx) };
}

describe('queue handler', () => {
  it('acks a message once its step ran and the task was submitted', async () => {
    const taskId = await newTask();
    const { batch, result } = await run([{ taskId }]);
    expect(result.explicitAcks).toEqual([batch.messages[0]?.id]);
    expect(result.retryMessages).toEqual([]);
    const [row] = await sql<{ status: string; provider_job_id: string | null }[]>`
      select status, provider_job_id from video_tasks where id = ${taskId}`;
    expect(row?.status).toBe('processing');
    expect(row?.provider_job_id).toEqual(expect.any(String));
  });

  it('submits once when three copies of a message arrive together', async () => {
    const taskId = await newTask();
    const { result } = await run([{ taskId }, { taskId }, { taskId }]);
    expect(result.explicitAcks).toHaveLength(3);
    const [row] = await sql<{ count: number }[]>`
      select count(*)::int as count from task_events
      where task_id = ${taskId} and type = 'submitted'`;
    expect(row?.count).toBe(1);
  });

  it('retries with a delay, and never acks, when the step fails', async () => {
    const taskId = await newTask();
    const { batch, delays, result } = await run([{ taskId }], {
      DATABASE_URL: 'postgresql://postgres:postgres@127.0.0.1:1/postgres',
    });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: batch.messages[0]?.id }]);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(0);
  });

  it('acks and drops a malformed message', async () => {
    const { result } = await run([{ nope: true }, 'text']);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
  });
});

describe('sweeper', () => {
  /** Runs the sweeper, returning the wake-up messages it sent. */
  async function sweep(): Promise<unknown[]> {
    const sent: unknown[] = [];
    const queue = {
      send: async (body: unknown, options?: QueueSendOptions) => {
        sent.push(body);
        await env.TASK_QUEUE.send(body as { taskId: string }, options);
      },
    };
    await worker.scheduled(createScheduledController({ cron: '* * * * *' }), {
      ...env,
      TASK_QUEUE: queue as unknown as typeof env.TASK_QUEUE,
    });
    return sent;
  }

  it('wakes a task whose wake-up is long overdue', async () => {
    const taskId = await newTask();
    await sql`
      update video_tasks set next_run_at = now() - interval '5 minutes' where id = ${taskId}`;
    expect(await sweep()).toContainEqual({ taskId });
  });

  it('fails a task past its deadline and refunds it', async () => {
    const taskId = await newTask('too slow', 1);
    await sql`
      update video_tasks set deadline_at = now() - interval '1 second' where id = ${taskId}`;
    await sweep();
    const [row] = await sql<{ status: string; error_code: string; quota_charged: boolean }[]>`
      select status, error_code, quota_charged from video_tasks where id = ${taskId}`;
    expect(row).toEqual({
      status: 'failed',
      error_code: 'deadline_exceeded',
      quota_charged: false,
    });
  });
});
