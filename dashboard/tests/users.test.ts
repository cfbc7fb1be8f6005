// Users and quotas: search, a user's own limits, the defaults, ban and unban; each audited.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPage } from '../../core/store/dashboard-store.ts';
import { testSql } from '../../tests/helpers/database.ts';
import { seedDashboardTasks, type SeededDashboard } from '../../tests/helpers/dashboard-seed.ts';
import * as user from '../app/routes/users.$id.tsx';
import * as users from '../app/routes/users._index.tsx';
import { body, call, createHarness, signIn, type RouteFunction } from './harness.ts';

let sql: postgres.Sql;
let seeded: SeededDashboard;
let cookie: string;
const tag = `users${crypto.randomUUID().slice(0, 6)}`;
const harness = createHarness();
const fn = (value: unknown) => value as RouteFunction;

beforeAll(async () => {
  sql = testSql();
  seeded = await seedDashboardTasks(sql, { tag, perUser: 2 });
  cookie = await signIn(harness);
});
afterAll(() => sql.end());

describe('users', () => {
  it('finds users across platforms by name', async () => {
    const data = (await call(harness, fn(users.loader), `/users?q=${tag}`, { cookie })) as {
      page: UserPage;
    };
    expect(data.page.items.map((item) => item.platform).sort()).toEqual([
      'api',
      'discord',
      'telegram',
    ]);
    const telegram = (await call(harness, fn(users.loader), `/users?q=${tag}&platform=telegram`, {
      cookie,
    })) as { page: UserPage };
    expect(telegram.page.items).toHaveLength(1);
  });

  it('shows a user with usage, totals and recent jobs', async () => {
    const id = seeded.users[0]?.id ?? '';
    const data = (await call(harness, fn(user.loader), `/users/${id}`, {
      cookie,
      params: { id },
    })) as {
      totals: { total: number };
      recent: unknown[];
      usage: { daily: { used: number } };
    };
    expect(data.totals.total).toBe(2);
    expect(data.recent).toHaveLength(2);
    expect(data.usage.daily.used).toBeGreaterThanOrEqual(0);
  });

  it('sets and clears a user own limits, recording before and after', async () => {
    const id = seeded.users[1]?.id ?? '';
    const save = (daily: string, monthly: string) =>
      call(harness, fn(user.action), `/users/${id}`, {
        cookie,
        params: { id },
        body: { intent: 'limits', daily, monthly, concurrent: '' },
      });
    expect(await body(await save('7', '70'))).toMatchObject({ message: 'Limits saved.' });
    const [row] = await sql<
      { daily_limit: number; monthly_limit: number; concurrent_limit: null }[]
    >`
      select daily_limit, monthly_limit, concurrent_limit from users where id = ${id}`;
    expect(row).toEqual({ daily_limit: 7, monthly_limit: 70, concurrent_limit: null });
    const [entry] = await sql<{ actor: string; detail: Record<string, unknown> }[]>`
      select actor, detail from admin_audit
      where action = 'user.set_limits' and target_id = ${id} order by id desc limit 1`;
    expect(entry).toEqual({
      actor: 'admin',
      detail: {
        before: { daily: null, monthly: null, concurrent: null },
        after: { daily: 7, monthly: 70, concurrent: null },
      },
    });

    await save('', '');
    const [cleared] = await sql<{ daily_limit: number | null }[]>`
      select daily_limit from users where id = ${id}`;
    expect(cleared?.daily_limit).toBeNull();
  });

  it('refuses limits that are not whole numbers', async () => {
    const id = seeded.users[1]?.id ?? '';
    const result = await call(harness, fn(user.action), `/users/${id}`, {
      cookie,
      params: { id },
      body: { intent: 'limits', daily: '-3', monthly: '', concurrent: '' },
    });
    expect(await body(result)).toMatchObject({ error: expect.stringContaining('whole numbers') });
  });

  it('bans and unbans a user', async () => {
    const id = seeded.users[2]?.id ?? '';
    const act = (intent: string) =>
      call(harness, fn(user.action), `/users/${id}`, {
        cookie,
        params: { id },
        body: { intent, reason: 'spam' },
      });
    await act('ban');
    const [banned] = await sql<{ banned_at: Date | null; ban_reason: string }[]>`
      select banned_at, ban_reason from users where id = ${id}`;
    expect(banned?.banned_at).toBeInstanceOf(Date);
    expect(banned?.ban_reason).toBe('spam');
    await act('unban');
    const [unbanned] = await sql<{ banned_at: Date | null }[]>`
      select banned_at from users where id = ${id}`;
    expect(unbanned?.banned_at).toBeNull();
    const actions = await sql<{ action: string }[]>`
      select action from admin_audit where target_id = ${id} order by id`;
    expect(actions.map((row) => row.action)).toEqual(['user.ban', 'user.unban']);
  });

  it('saves the default limits and records the change', async () => {
    // Saved unchanged: the defaults are shared by every suite running on this database.
    const [current] = await sql<
      { daily_limit: number; monthly_limit: number; concurrent_limit: number }[]
    >`
      select daily_limit, monthly_limit, concurrent_limit from quota_defaults`;
    const result = await call(harness, fn(users.action), '/users', {
      cookie,
      body: {
        daily: String(current?.daily_limit ?? ''),
        monthly: String(current?.monthly_limit ?? ''),
        concurrent: String(current?.concurrent_limit ?? ''),
      },
    });
    expect(await body(result)).toMatchObject({ message: 'Default limits saved.' });
    const [entry] = await sql<{ detail: { after: Record<string, unknown> } }[]>`
      select detail from admin_audit where action = 'quota.set_defaults' order by id desc limit 1`;
    expect(entry?.detail.after).toEqual({
      daily: current?.daily_limit ?? null,
      monthly: current?.monthly_limit ?? null,
      concurrent: current?.concurrent_limit ?? null,
    });
  });
});
