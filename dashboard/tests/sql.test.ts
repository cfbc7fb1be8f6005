// The dashboard's SQL functions: callable by the service role only, and every read they make
// of the tasks and events tables goes through an index.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturePlans, sequentialScans, type PlanCapture } from '../../scripts/db/explain.ts';
import { TEST_DATABASE_URL, testSql } from '../../tests/helpers/database.ts';
import { seedDashboardTasks, type SeededDashboard } from '../../tests/helpers/dashboard-seed.ts';

let sql: postgres.Sql;
let seeded: SeededDashboard;
let capture: PlanCapture;

beforeAll(async () => {
  sql = testSql();
  seeded = await seedDashboardTasks(sql, { perUser: 3 });
  // With sequential scans priced out, a plan still scanning a table has no index to use.
  capture = capturePlans(TEST_DATABASE_URL, { enable_seqscan: 'off' });
});
afterAll(async () => {
  await capture.close();
  await sql.end();
});

describe('dashboard functions', () => {
  it('are executable by the service role only', async () => {
    const rows = await sql<
      { name: string; anon: boolean; authed: boolean; public: boolean; service: boolean }[]
    >`
      select p.oid::regprocedure::text as name,
        has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as authed,
        exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public,
        has_function_privilege('service_role', p.oid, 'execute') as service
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname like 'dashboard\\_%'`;
    expect(rows.length).toBeGreaterThanOrEqual(17);
    expect(rows.filter((row) => row.anon || row.authed || row.public || !row.service)).toEqual([]);
  });

  it('refuse the anon role', async () => {
    await expect(
      sql.begin(async (tx) => {
        await tx`set local role anon`;
        await tx`select public.dashboard_overview(now() - interval '1 day', now())`;
      }),
    ).rejects.toThrow(/permission denied/);
  });

  const calls: [string, () => string][] = [
    ['the overview', () => `select dashboard_overview(now() - interval '30 days', now())`],
    ['a year overview', () => `select dashboard_overview(now() - interval '365 days', now())`],
    ['the first jobs page', () => `select dashboard_list_tasks()`],
    [
      'a filtered jobs page',
      () => `select dashboard_list_tasks(p_status => 'failed', p_source => 'api')`,
    ],
    [
      'a deep jobs page',
      () => `select dashboard_list_tasks(p_cursor_created => now() - interval '3 days',
               p_cursor_id => '${seeded.completedIds[0]}')`,
    ],
    [
      'failed jobs of one code',
      () =>
        `select dashboard_list_tasks(p_status => 'failed', p_error_code => 'provider_rejected')`,
    ],
    [
      'a user jobs page',
      () => `select dashboard_list_tasks(p_user_id => '${seeded.users[0]?.id}')`,
    ],
    ['a job page', () => `select dashboard_get_task('${seeded.failedIds[0]}')`],
    ['failed groups', () => `select dashboard_failed_groups()`],
    ['a failed group ids', () => `select dashboard_failed_task_ids('provider_rejected', 200)`],
    ['provider stats', () => `select dashboard_provider_stats(now() - interval '7 days')`],
    ['a user page', () => `select dashboard_get_user('${seeded.users[0]?.id}')`],
    ['the users list', () => `select dashboard_list_users()`],
    ['the audit log', () => `select dashboard_list_audit()`],
  ];

  it.each(calls)('read %s without scanning the tasks or events tables', async (_name, query) => {
    const plans = await capture.plans(query());
    expect(plans.length).toBeGreaterThan(1);
    expect(sequentialScans(plans, 'video_tasks')).toEqual([]);
    expect(sequentialScans(plans, 'task_events')).toEqual([]);
    expect(sequentialScans(plans, 'admin_audit')).toEqual([]);
  });

  it('would notice a sequential scan', async () => {
    const plans = await capture.plans(`select count(*) from video_tasks where attempts * 2 = 7`);
    expect(sequentialScans(plans, 'video_tasks')).toHaveLength(1);
  });
});
