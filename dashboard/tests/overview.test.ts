// The overview's figures and series and the providers page, for a date range only this
// suite's tasks fall in.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../core/store/dashboard-store.ts';
import { testSql } from '../../tests/helpers/database.ts';
import { seedDashboardTasks } from '../../tests/helpers/dashboard-seed.ts';
import * as overview from '../app/routes/_index.tsx';
import * as providers from '../app/routes/providers.tsx';
import { call, createHarness, signIn, type RouteFunction } from './harness.ts';

let sql: postgres.Sql;
let cookie: string;
const harness = createHarness();
const fn = (value: unknown) => value as RouteFunction;
// A range in the past no other suite writes to.
const at = new Date(Date.UTC(2001, 5, 20));
const tag = `overview${crypto.randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  sql = testSql();
  await seedDashboardTasks(sql, { tag, perUser: 6, at });
  cookie = await signIn(harness);
});
afterAll(() => sql.end());

describe('overview', () => {
  it('counts, rates, times and costs the tasks of the range', async () => {
    const data = (await call(harness, fn(overview.loader), '/?from=2001-06-01&to=2001-06-30', {
      cookie,
    })) as { overview: Overview; days: { completed: number; failed: number }[] };
    const figures = data.overview;
    expect(figures.total).toBe(18);
    expect(figures.failed).toBe(6);
    expect(figures.completed).toBe(12);
    expect(figures.cost_usd).toBeCloseTo(0.6);
    expect(figures.p50_seconds).toBeGreaterThanOrEqual(20);
    expect(figures.p95_seconds).toBeLessThan(60);
    expect(data.days.reduce((sum, day) => sum + day.completed + day.failed, 0)).toBe(18);
    expect(figures.by_platform.map((row) => row.name).sort()).toEqual([
      'api',
      'discord',
      'telegram',
    ]);
    expect(figures.by_provider).toEqual([
      { name: 'local', total: 18, completed: 12, failed: 6, cost_usd: 0.6 },
    ]);
    expect(figures.top_users).toHaveLength(3);
  });

  it("reuses settled days' rollups and recomputes a day whose tasks changed", async () => {
    const load = async () =>
      (
        (await call(harness, fn(overview.loader), '/?from=2001-06-01&to=2001-06-30', {
          cookie,
        })) as { overview: Overview }
      ).overview;
    await load();
    const [days] = await sql<{ count: number }[]>`
      select count(*)::int as count from dashboard_rollup_days
      where day between '2001-06-01' and '2001-06-30'`;
    expect(days?.count).toBe(30);

    const [task] = await sql<{ id: string; day: string }[]>`
      update video_tasks set status = 'completed', completed_at = created_at + interval '30 s'
      where id = (select id from video_tasks where status = 'failed' and prompt like ${`%${tag}%`}
                  limit 1)
      returning id, (created_at at time zone 'UTC')::date::text as day`;
    const [dropped] = await sql<{ count: number }[]>`
      select count(*)::int as count from dashboard_rollup_days where day = ${task?.day ?? ''}`;
    expect(dropped?.count).toBe(0);

    const after = await load();
    expect(after.failed).toBe(5);
    expect(after.completed).toBe(13);
  });

  it('is empty for a range without tasks', async () => {
    const data = (await call(harness, fn(overview.loader), '/?from=1999-01-01&to=1999-01-31', {
      cookie,
    })) as { overview: Overview };
    expect(data.overview.total).toBe(0);
    expect(data.overview.per_day).toEqual([]);
  });
});

describe('providers', () => {
  it('lists the enabled providers in failover order', async () => {
    const data = (await call(harness, fn(providers.loader), '/providers', { cookie })) as {
      providers: { name: string; enabled: boolean; position: number | null }[];
    };
    expect(data.providers[0]).toMatchObject({ name: 'local', enabled: true, position: 1 });
  });
});
