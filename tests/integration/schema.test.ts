// The migrations themselves: the original columns, row-level security and privileges, the
// indexes the queue and dashboard rely on, and quota exactness under concurrency.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresRpc } from '../../core/store/postgres-rpc.ts';
import { TaskStore } from '../../core/store/task-store.ts';
import { TEST_DATABASE_URL, testSql } from '../helpers/database.ts';
import { createTestUser } from '../helpers/users.ts';

let sql: postgres.Sql;
beforeAll(() => {
  sql = testSql();
});
afterAll(() => sql.end());

describe('schema', () => {
  it('keeps every column of the original video_tasks table', async () => {
    const rows = await sql<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name = 'video_tasks'`;
    const columns = rows.map((row) => row.column_name);
    for (const original of [
      'id',
      'user_id',
      'status',
      'input_image_url',
      'output_video_url',
      'prompt',
      'created_at',
      'updated_at',
    ]) {
      expect(columns).toContain(original);
    }
  });

  it('accepts the four original statuses and canceled, nothing else', async () => {
    const { userId } = await createTestUser(sql);
    const insert = (status: string) => sql`
      insert into video_tasks (user_id, status, prompt, source, provider, deadline_at)
      values (${userId}, ${status}, 'p', 'api', 'local', now())`;
    for (const status of ['pending', 'processing', 'completed', 'failed', 'canceled']) {
      await insert(status);
    }
    await expect(insert('done')).rejects.toThrow(/check constraint/);
  });

  it('has row-level security on every table', async () => {
    const rows = await sql<{ relname: string; relrowsecurity: boolean }[]>`
      select c.relname, c.relrowsecurity from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'`;
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(rows.filter((row) => !row.relrowsecurity)).toEqual([]);
  });

  it('lets only the service role execute functions', async () => {
    const rows = await sql<{ proname: string; anon: boolean; authed: boolean; service: boolean }[]>`
      select p.proname,
        has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as authed,
        has_function_privilege('service_role', p.oid, 'execute') as service
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public'`;
    expect(rows.length).toBeGreaterThan(15);
    expect(rows.filter((row) => row.anon || row.authed || !row.service)).toEqual([]);
  });

  it('gives the anon role no table access', async () => {
    await expect(
      sql.begin(async (tx) => {
        await tx`set local role anon`;
        await tx`select * from video_tasks limit 1`;
      }),
    ).rejects.toThrow(/permission denied/);
    await expect(
      sql.begin(async (tx) => {
        await tx`set local role anon`;
        await tx`select public.get_task(gen_random_uuid())`;
      }),
    ).rejects.toThrow(/permission denied/);
  });

  it('serves the due-task scan and dashboard filters from indexes', async () => {
    const plans = await sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      const due = await tx.unsafe(`explain select id from video_tasks
        where next_run_at <= now() order by next_run_at limit 10`);
      const byStatus = await tx.unsafe(`explain select id from video_tasks
        where status = 'failed' order by created_at desc, id desc limit 50`);
      return [due, byStatus].map((rows) => rows.map((r) => Object.values(r)[0]).join('\n'));
    });
    expect(plans[0]).toContain('video_tasks_due_idx');
    // Any index will do for the dashboard, as long as the table is never read whole.
    expect(plans[1]).toMatch(/Index (Only )?Scan using video_tasks_\w+/);
    expect(plans.join('\n')).not.toContain('Seq Scan');
  });
});

describe('quota under concurrency', () => {
  it('creates exactly the daily limit from 50 concurrent requests', async () => {
    const { userId } = await createTestUser(sql, { dailyLimit: 5 });
    const store = new TaskStore(createPostgresRpc(TEST_DATABASE_URL, { max: 25 }));
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.createTask({
            userId,
            source: 'api',
            prompt: `request ${i}`,
            provider: 'local',
            params: { duration: 2, ratio: '1:1' },
            maxAttempts: 3,
            deadlineSeconds: 600,
          }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      expect(results.filter((r) => !r.ok && r.code === 'quota_exceeded')).toHaveLength(45);
      const [row] = await sql<{ count: number }[]>`
        select count(*)::int as count from video_tasks where user_id = ${userId}`;
      expect(row?.count).toBe(5);
    } finally {
      await store.close();
    }
  });
});
