// The jobs list, a job's page and failed groups against the real database: filters, keyset
// pages, and retry, cancel and re-deliver going through the task service and the audit log.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresRpc } from '../../core/store/postgres-rpc.ts';
import { DashboardStore, type TaskItem } from '../../core/store/dashboard-store.ts';
import { TEST_DATABASE_URL, testSql } from '../../tests/helpers/database.ts';
import { seedDashboardTasks, type SeededDashboard } from '../../tests/helpers/dashboard-seed.ts';
import * as job from '../app/routes/jobs.$id.tsx';
import * as jobs from '../app/routes/jobs._index.tsx';
import * as failed from '../app/routes/failed.tsx';
import { body, call, createHarness, signIn, type RouteFunction } from './harness.ts';

let sql: postgres.Sql;
let seeded: SeededDashboard;
let cookie: string;
let store: DashboardStore;
const tag = `jobs${crypto.randomUUID().slice(0, 6)}`;
const harness = createHarness();
const fn = (value: unknown) => value as RouteFunction;

/** Takes retried tasks off the due list at once: other suites' sweepers share this database. */
async function park(): Promise<void> {
  await sql`update video_tasks set next_run_at = null
    where prompt like ${`%${tag}%`} and next_run_at is not null`;
}

beforeAll(async () => {
  sql = testSql();
  seeded = await seedDashboardTasks(sql, { tag, perUser: 9 });
  cookie = await signIn(harness);
  store = new DashboardStore(createPostgresRpc(TEST_DATABASE_URL, { max: 2 }));
});
afterAll(async () => {
  await park();
  await store.close();
  await sql.end();
});

type JobsData = { page: { items: TaskItem[]; has_more: boolean } };

describe('the jobs list', () => {
  it('filters by status, platform and search together', async () => {
    const data = (await call(
      harness,
      fn(jobs.loader),
      `/jobs?status=failed&platform=discord&q=${tag}`,
      {
        cookie,
      },
    )) as JobsData;
    expect(data.page.items.length).toBe(3);
    for (const item of data.page.items) {
      expect(item.status).toBe('failed');
      expect(item.source).toBe('discord');
      expect(item.prompt).toContain(tag);
    }
  });

  it('filters failed jobs by error code', async () => {
    const data = (await call(
      harness,
      fn(jobs.loader),
      `/jobs?status=failed&code=provider_rejected&q=${tag}`,
      { cookie },
    )) as JobsData;
    expect(data.page.items.length).toBeGreaterThan(0);
    expect(new Set(data.page.items.map((item) => item.error_code))).toEqual(
      new Set(['provider_rejected']),
    );
  });

  it('finds a task by its id and a user by name', async () => {
    const id = seeded.completedIds[2] ?? '';
    const byId = (await call(harness, fn(jobs.loader), `/jobs?q=${id}`, { cookie })) as JobsData;
    expect(byId.page.items.map((item) => item.id)).toEqual([id]);
    const byUser = (await call(harness, fn(jobs.loader), `/jobs?q=api-${tag}`, {
      cookie,
    })) as JobsData;
    expect(byUser.page.items).toHaveLength(9);
  });

  it('pages with a keyset cursor both ways without gaps or repeats', async () => {
    const userId = seeded.users[0]?.id ?? '';
    const all = await store.listTasks({ userId }, null, 100);
    expect(all.items).toHaveLength(9);
    const first = await store.listTasks({ userId }, null, 4);
    expect(first.has_more).toBe(true);
    const last = first.items[3];
    const second = await store.listTasks(
      { userId },
      { createdAt: last?.created_at ?? '', id: last?.id ?? '', direction: 'older' },
      4,
    );
    const paged = [...first.items, ...second.items].map((item) => item.id);
    expect(paged).toEqual(all.items.slice(0, 8).map((item) => item.id));

    const top = second.items[0];
    const back = await store.listTasks(
      { userId },
      { createdAt: top?.created_at ?? '', id: top?.id ?? '', direction: 'newer' },
      4,
    );
    expect(back.items.map((item) => item.id)).toEqual(first.items.map((item) => item.id));
    expect(back.has_more).toBe(false);
  });

  it('retries the selected failed jobs through the queue and records who did it', async () => {
    const ids = seeded.failedIds.slice(0, 2);
    const before = harness.sent.length;
    const result = await call(harness, fn(jobs.action), '/jobs', {
      cookie,
      body: { intent: 'retry', id: [...ids, seeded.completedIds[0] ?? ''] },
    });
    await park();
    expect(await body(result)).toMatchObject({
      message: 'Retried 2 job(s) (1 could not be: wrong status).',
    });
    expect(
      harness.sent
        .slice(before)
        .map((message) => message.taskId)
        .sort(),
    ).toEqual([...ids].sort());
    const rows = await sql<{ status: string }[]>`
      select status from video_tasks where id in ${sql(ids)}`;
    expect(rows.map((row) => row.status)).toEqual(['pending', 'pending']);
    const [entry] = await sql<{ actor: string; detail: { changed: number } }[]>`
      select actor, detail from admin_audit where action = 'task.retry' order by id desc limit 1`;
    expect(entry).toMatchObject({ actor: 'admin', detail: { changed: 2 } });
  });

  it('cancels the selected pending jobs', async () => {
    const id = seeded.failedIds[0] ?? '';
    const result = await call(harness, fn(jobs.action), '/jobs', {
      cookie,
      body: { intent: 'cancel', id },
    });
    expect(await body(result)).toMatchObject({ message: 'Canceled 1 job(s).' });
    const [row] = await sql<{ status: string }[]>`select status from video_tasks where id = ${id}`;
    expect(row?.status).toBe('canceled');
  });

  it('asks for a selection when none is given', async () => {
    const result = await call(harness, fn(jobs.action), '/jobs', {
      cookie,
      body: { intent: 'retry' },
    });
    expect(await body(result)).toMatchObject({ error: 'Select at least one job first.' });
  });
});

describe('a job page', () => {
  it('shows the task, its user and its timeline', async () => {
    const id = seeded.failedIds[3] ?? '';
    const data = (await call(harness, fn(job.loader), `/jobs/${id}`, {
      cookie,
      params: { id },
    })) as { task: { id: string; errorCode: string }; events: { type: string }[]; user: object };
    expect(data.task.id).toBe(id);
    expect(data.task.errorCode).toMatch(/^provider_/);
    expect(data.events.map((event) => event.type)).toEqual(['created', 'failed']);
    expect(data.user).toMatchObject({ platform_user_id: expect.stringContaining(tag) });
  });

  it('sends the browser only the kind of a reply target, never its token', async () => {
    const id = seeded.failedIds[5] ?? '';
    const target = { kind: 'discord', token: 'interaction-token-secret', applicationId: '1' };
    await sql`update video_tasks set reply_target = ${sql.json(target)} where id = ${id}`;
    const data = await call(harness, fn(job.loader), `/jobs/${id}`, { cookie, params: { id } });
    expect((data as { task: { replyTarget: unknown } }).task.replyTarget).toEqual({
      kind: 'discord',
    });
    expect(JSON.stringify(data)).not.toContain('interaction-token-secret');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of [crypto.randomUUID(), 'not-a-uuid']) {
      const result = await call(harness, fn(job.loader), `/jobs/${id}`, { cookie, params: { id } });
      expect((result as Response).status).toBe(404);
    }
  });

  it('retries a failed job and keeps its history', async () => {
    const id = seeded.failedIds[4] ?? '';
    const result = await call(harness, fn(job.action), `/jobs/${id}`, {
      cookie,
      params: { id },
      body: { intent: 'retry' },
    });
    await park();
    expect(await body(result)).toMatchObject({ message: expect.stringContaining('Retrying') });
    const events = await sql<{ type: string }[]>`
      select type from task_events where task_id = ${id} order by id`;
    expect(events.map((event) => event.type)).toEqual(['created', 'failed', 'retried']);
  });

  it('re-delivers a finished job that has an origin', async () => {
    const id = seeded.completedIds[5] ?? '';
    const target = { kind: 'webhook', url: 'https://hooks.example.com/x' };
    await sql`update video_tasks set reply_target = ${sql.json(target)}, delivered_at = now()
      where id = ${id}`;
    const before = harness.sent.length;
    const result = await call(harness, fn(job.action), `/jobs/${id}`, {
      cookie,
      params: { id },
      body: { intent: 'redeliver' },
    });
    await park();
    expect(await body(result)).toMatchObject({ message: 'Delivery queued again.' });
    expect(harness.sent.slice(before)).toEqual([{ taskId: id }]);
    const [row] = await sql<{ delivered_at: Date | null }[]>`
      select delivered_at from video_tasks where id = ${id}`;
    expect(row?.delivered_at).toBeNull();
  });
});

describe('failed jobs', () => {
  it('groups failed jobs by error code and retries one group only', async () => {
    const data = (await call(harness, fn(failed.loader), '/failed', { cookie })) as {
      groups: { error_code: string; count: number }[];
    };
    const codes = data.groups.map((group) => group.error_code);
    expect(codes).toContain('provider_rejected');

    // A code of this run's own, so no other suite's failed tasks are retried.
    const code = `${tag}_timeout`;
    await sql`update video_tasks set error_code = ${code}
      where prompt like ${`%${tag}%`} and error_code = 'provider_timeout' and status = 'failed'`;
    await call(harness, fn(failed.action), '/failed', {
      cookie,
      body: { intent: 'retry-group', error_code: code },
    });
    await park();
    const left = await sql<{ error_code: string }[]>`
      select distinct error_code from video_tasks
      where status = 'failed' and prompt like ${`%${tag}%`}`;
    expect(left.map((row) => row.error_code)).toEqual(['provider_rejected']);
  });
});
