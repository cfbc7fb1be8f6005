/**
 * The dashboard with a million tasks: seeds 1,000,000 tasks (BENCH_DASHBOARD_TASKS) and their
 * events into a fresh embedded Postgres with bulk `generate_series` SQL, then times the
 * database work of the overview, the first jobs page, a deep jobs page and a job page (p50 and
 * p95 of BENCH_DASHBOARD_ROUNDS calls each, through the same store the loaders use), and shows
 * the plan of every statement each one runs: none may scan video_tasks sequentially.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createPostgresRpc } from '../core/store/postgres-rpc.ts';
import { DashboardStore } from '../core/store/dashboard-store.ts';
import { startEmbeddedPostgres } from '../scripts/db/embedded.ts';
import { capturePlans, sequentialScans } from '../scripts/db/explain.ts';
import { applyMigrations, ensureSupabaseRoles } from '../scripts/db/migrate.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { percentile } from './support/stats.ts';

const TASKS = Number(process.env.BENCH_DASHBOARD_TASKS ?? 1_000_000);
const USERS = Math.max(10, Math.round(TASKS / 100));
const ROUNDS = Number(process.env.BENCH_DASHBOARD_ROUNDS ?? 40);
const DAYS = 365;
const SCAN = /(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)( using \w+)? on \w+/g;

interface Measured {
  name: string;
  p50Ms: number;
  p95Ms: number;
  statements: number;
  scans: string[];
  sequentialScansOfTasks: number;
}

/** Users, tasks over the last year (mostly completed, some failed) and 2–4 events each. */
async function seed(sql: postgres.Sql): Promise<void> {
  // Replica mode skips triggers: every seeded task is backdated, and the rollup trigger would
  // only delete rollups that do not exist yet.
  await sql.unsafe(
    `set maintenance_work_mem = '512MB'; set synchronous_commit = off;
     set session_replication_role = replica`,
  );
  await sql.unsafe(`
    insert into users (platform, platform_user_id, display_name, created_at)
    select (array['telegram','discord','api','dashboard'])[1 + g % 4], 'bench-' || g,
           'Bench user ' || g, now() - make_interval(days => g % ${DAYS})
    from generate_series(1, ${USERS}) g`);
  const batch = 250_000;
  for (let start = 1; start <= TASKS; start += batch) {
    const end = Math.min(TASKS, start + batch - 1);
    await sql.unsafe(`
      with u as (select array_agg(id order by platform_user_id) as ids from users
                 where platform_user_id like 'bench-%')
      insert into video_tasks (
        user_id, status, prompt, source, provider, params, attempts, progress, error_code,
        error_message, output_key, output_bytes, cost_usd, created_at, updated_at, started_at,
        completed_at, deadline_at, quota_charged)
      select u.ids[1 + (g::bigint * 7919 % ${USERS})::int], s.status,
        'bench prompt ' || g || ' ' || (array['a city at dusk','waves on a beach',
          'a cat on a sofa','mountains in fog'])[1 + g % 4],
        (array['telegram','discord','api','dashboard'])[1 + (g * 13) % 4],
        (array['local','runway','kling','luma','fal'])[1 + (g * 17) % 5],
        '{"duration":5,"ratio":"16:9"}', 1, case when s.status = 'completed' then 100 else 0 end,
        case when s.status = 'failed'
             then (array['provider_rejected','provider_timeout','deadline_exceeded'])[1 + g % 3]
        end,
        case when s.status = 'failed' then 'Bench failure' end,
        case when s.status = 'completed' then 'outputs/bench-' || g || '.mp4' end,
        case when s.status = 'completed' then 1000000 + g % 5000000 end,
        case when s.status = 'completed' then 0.05 + (g % 20) / 100.0 end,
        c.at, c.at, c.at + interval '2 seconds',
        case when s.status in ('completed','failed','canceled')
             then c.at + make_interval(secs => 20 + (g * 31) % 160) end,
        c.at + interval '30 minutes', s.status <> 'failed'
      from u, generate_series(${start}, ${end}) g
      cross join lateral (select now() - make_interval(secs =>
        (${DAYS} * 86400.0 * (g::bigint * 104729 % ${TASKS})) / ${TASKS}) as at) c
      cross join lateral (select case
        when g % 100 < 85 then 'completed' when g % 100 < 95 then 'failed'
        when g % 100 < 98 then 'canceled' when g % 100 < 99 then 'processing'
        else 'pending' end as status) s`);
  }
  await sql.unsafe(`
    insert into task_events (task_id, type, detail, created_at)
    select t.id, e.type, '{}'::jsonb, t.created_at + e.after
    from video_tasks t
    cross join lateral (values ('created', interval '0'), ('claimed', interval '1 second'),
      ('submitted', interval '2 seconds')) e(type, after)
    union all
    select id, case status when 'completed' then 'completed' when 'failed' then 'failed'
                           else 'canceled' end, '{}'::jsonb, completed_at
    from video_tasks where completed_at is not null`);
  await sql.unsafe(`set session_replication_role = origin`);
  await sql.unsafe(`vacuum analyze`);
}

async function time(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

/** Seeds, measures and prints; throws if a plan scans video_tasks sequentially. */
export async function runDashboardBench(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reelbot-bench-dashboard-pg-'));
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const store = new DashboardStore(createPostgresRpc(db.url, { max: 1 }));
  const plans = capturePlans(db.url);
  try {
    await ensureSupabaseRoles(sql);
    await applyMigrations(sql);
    console.log(`dashboard: seeding ${TASKS.toLocaleString('en')} tasks and their events…`);
    const seeding = performance.now();
    await seed(sql);
    const [counts] = await sql<{ tasks: number; events: number }[]>`
      select (select count(*) from video_tasks)::int as tasks,
             (select count(*) from task_events)::int as events`;
    console.log(
      `dashboard: seeded ${counts?.tasks} tasks, ${counts?.events} events in ` +
        `${((performance.now() - seeding) / 1000).toFixed(0)} s`,
    );

    const [deep] = await sql<{ created_at: string; id: string }[]>`
      select created_at::text, id from video_tasks order by created_at desc, id desc
      offset ${Math.floor(TASKS / 2)} limit 1`;
    const sampleIds = (
      await sql<{ id: string }[]>`select id from video_tasks tablesample system (1) limit 100`
    ).map((row) => row.id);
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const yearAgo = new Date(to.getTime() - 365 * 86_400_000);
    let next = 0;
    const pickId = () => sampleIds[next++ % sampleIds.length] ?? '';

    const cases: { name: string; run: () => Promise<unknown>; sql: () => string }[] = [
      {
        name: 'overview (30 days)',
        run: () => store.overview(from, to),
        sql: () => `select dashboard_overview('${from.toISOString()}', '${to.toISOString()}')`,
      },
      {
        name: 'overview (365 days)',
        run: () => store.overview(yearAgo, to),
        sql: () => `select dashboard_overview('${yearAgo.toISOString()}', '${to.toISOString()}')`,
      },
      {
        name: 'jobs, first page',
        run: () => store.listTasks({}, null, 50),
        sql: () => `select dashboard_list_tasks(p_limit => 50)`,
      },
      {
        name: 'jobs, failed, first page',
        run: () => store.listTasks({ status: 'failed' }, null, 50),
        sql: () => `select dashboard_list_tasks(p_status => 'failed', p_limit => 50)`,
      },
      {
        name: `jobs, deep page (row ${Math.floor(TASKS / 2).toLocaleString('en')})`,
        run: () =>
          store.listTasks(
            {},
            { createdAt: deep?.created_at ?? '', id: deep?.id ?? '', direction: 'older' },
            50,
          ),
        sql: () =>
          `select dashboard_list_tasks(p_cursor_created => '${deep?.created_at}',
             p_cursor_id => '${deep?.id}', p_limit => 50)`,
      },
      {
        name: 'job page',
        run: () => store.getTask(pickId()),
        sql: () => `select dashboard_get_task('${pickId()}')`,
      },
    ];

    // The first overview of a year computes the rollups of its settled days once.
    const coldStarted = performance.now();
    await store.overview(yearAgo, to);
    const coldMs = performance.now() - coldStarted;
    console.log(
      `dashboard: first 365-day overview (computes the rollups): ${coldMs.toFixed(0)} ms`,
    );

    const results: Measured[] = [];
    for (const item of cases) {
      const samples = await time(item.run);
      const captured = await plans.plans(item.sql());
      const scans = captured.flatMap((plan) => plan.match(SCAN) ?? []);
      results.push({
        name: item.name,
        p50Ms: percentile(samples, 50),
        p95Ms: percentile(samples, 95),
        statements: captured.length,
        scans: [...new Set(scans)],
        sequentialScansOfTasks: sequentialScans(captured, 'video_tasks').length,
      });
    }

    console.log(`\ndashboard with ${TASKS.toLocaleString('en')} tasks, ${ROUNDS} calls each`);
    console.log('case'.padEnd(40), 'p50 ms'.padStart(9), 'p95 ms'.padStart(9), '  seq scans');
    for (const row of results) {
      console.log(
        row.name.padEnd(40),
        row.p50Ms.toFixed(2).padStart(9),
        row.p95Ms.toFixed(2).padStart(9),
        `  ${row.sequentialScansOfTasks}`,
      );
      console.log(`${''.padEnd(42)}plans: ${row.scans.join('; ')}`);
    }
    const resultsDir = join(new URL('.', import.meta.url).pathname, 'results');
    await mkdir(resultsDir, { recursive: true });
    await writeFile(
      join(resultsDir, 'dashboard.json'),
      JSON.stringify(
        { tasks: TASKS, rounds: ROUNDS, firstYearOverviewMs: coldMs, results },
        null,
        2,
      ),
    );

    const scanned = results.filter((row) => row.sequentialScansOfTasks > 0);
    if (scanned.length > 0) {
      throw new Error(
        `sequential scan of video_tasks in: ${scanned.map((r) => r.name).join(', ')}`,
      );
    }
  } finally {
    await plans.close();
    await store.close();
    await sql.end();
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDashboardBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
