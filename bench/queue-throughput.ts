/**
 * Benchmark 1: claims per second of the Postgres-table queue (the real `dequeue_due` and
 * `claim_task` through TaskStore over createPostgresRpc) beside pg-boss 10 (`fetch` then
 * `complete`), both with 4 consumers of one connection each, on the same Postgres in the same
 * run. Every round checks that each task was claimed exactly once.
 */
import PgBoss from 'pg-boss';
import type postgres from 'postgres';
import { createPostgresRpc } from '../core/store/postgres-rpc.ts';
import { TaskStore } from '../core/store/task-store.ts';
import { ClaimLog, type RoundResult } from './support/claim-log.ts';
import { clearTasks, createBenchUser, startBenchDatabase } from './support/database.ts';
import { envInt, fixed, median, printTable, type SummaryRow } from './support/stats.ts';

const CONSUMERS = 4;
// Longer than any round, so no reservation or lease expires and hands a task out twice.
const RESERVE_SECONDS = 600;

async function seedTableTasks(sql: postgres.Sql, userId: string, total: number): Promise<void> {
  // Bulk insert straight into the table: create_task's per-call quota check is not under test.
  await sql`
    insert into video_tasks (user_id, source, prompt, provider, params, deadline_at, next_run_at)
    select ${userId}, 'api', 'bench task ' || i, 'local', '{"duration": 5, "ratio": "16:9"}',
           now() + interval '1 hour',
           now() - make_interval(secs => (${total}::int - i) / 1000.0)
    from generate_series(1, ${total}::int) as i`;
  await sql`vacuum analyze video_tasks`;
  await sql`checkpoint`;
}

async function tableConsumer(store: TaskStore, worker: string, batch: number, log: ClaimLog) {
  for (;;) {
    // As consumer/node-runner.ts does: reserved for this worker, so its own claims go through.
    const ids = await store.dequeueDue(batch, RESERVE_SECONDS, 0, worker);
    if (ids.length === 0) {
      if (await log.drained()) return;
      continue;
    }
    for (const id of ids) log.handOut(id);
    // Like consumer/node-runner.ts, the steps of one batch start together.
    const tasks = await Promise.all(ids.map((id) => store.claimTask(id, worker, RESERVE_SECONDS)));
    for (const task of tasks) if (task) log.claim(task.id);
  }
}

async function runTableRound(
  sql: postgres.Sql,
  url: string,
  userId: string,
  total: number,
  batch: number,
): Promise<RoundResult> {
  await clearTasks(sql);
  await seedTableTasks(sql, userId, total);
  const stores = Array.from(
    { length: CONSUMERS },
    () => new TaskStore(createPostgresRpc(url, { max: 1 })),
  );
  // Open every connection before the clock starts.
  await Promise.all(stores.map((store) => store.queuePosition(crypto.randomUUID())));

  const log = new ClaimLog(total);
  await Promise.all(stores.map((store, i) => tableConsumer(store, `bench:${i}`, batch, log)));
  log.finish();
  await Promise.all(stores.map((store) => store.close()));

  // The database's own record: one 'claimed' event per task, written by claim_task.
  const [events] = await sql<{ twice: number; never: number }[]>`
    select count(*) filter (where claims > 1)::int as twice,
           count(*) filter (where claims = 0)::int as never
    from (
      select t.id, count(e.id) as claims
      from video_tasks t
      left join task_events e on e.task_id = t.id and e.type = 'claimed'
      group by t.id
    ) per_task`;
  return log.result('table', { twice: events?.twice ?? -1, never: events?.never ?? -1 });
}

async function bossConsumer(boss: PgBoss, queue: string, batch: number, log: ClaimLog) {
  for (;;) {
    const jobs = await boss.fetch<{ n: number }>(queue, { batchSize: batch });
    if (jobs.length === 0) {
      if (await log.drained()) return;
      continue;
    }
    for (const job of jobs) {
      log.handOut(job.id);
      log.claim(job.id);
    }
    await boss.complete(
      queue,
      jobs.map((job) => job.id),
    );
  }
}

function newBoss(url: string, max: number, migrate: boolean): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    max,
    migrate,
    supervise: false,
    schedule: false,
  });
  boss.on('error', (error: unknown) => console.error('pg-boss:', error));
  return boss;
}

async function runBossRound(
  sql: postgres.Sql,
  admin: PgBoss,
  url: string,
  round: number,
  total: number,
  batch: number,
): Promise<RoundResult> {
  const queue = `bench-${round}`;
  await admin.createQueue(queue);
  for (let start = 0; start < total; start += 5000) {
    const size = Math.min(5000, total - start);
    await admin.insert(
      Array.from({ length: size }, (_, i) => ({ name: queue, data: { n: start + i } })),
    );
  }
  await sql`vacuum analyze pgboss.job`;
  await sql`checkpoint`;

  const bosses = Array.from({ length: CONSUMERS }, () => newBoss(url, 1, false));
  await Promise.all(bosses.map((boss) => boss.start()));
  await Promise.all(bosses.map((boss) => boss.getQueueSize(queue)));

  const log = new ClaimLog(total);
  await Promise.all(bosses.map((boss) => bossConsumer(boss, queue, batch, log)));
  log.finish();
  await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, wait: true })));

  const [states] = await sql<{ completed: number }[]>`
    select count(*) filter (where state = 'completed')::int as completed
    from pgboss.job where name = ${queue}`;
  const never = total - (states?.completed ?? 0);
  // The queue stays: each round has its own queue (a partition of its own in pg-boss 10),
  // and the whole database goes away afterwards.
  return log.result('pg-boss', { twice: 0, never });
}

/** Runs the queue benchmark; returns its summary rows. */
export async function runQueueBenchmark(): Promise<SummaryRow[]> {
  const total = envInt('BENCH_QUEUE_TASKS', 20_000);
  const batch = envInt('BENCH_QUEUE_BATCH', 10);
  const rounds = envInt('BENCH_ROUNDS', 3);
  console.log(
    `\n## queue: ${total} tasks, ${CONSUMERS} consumers, batch ${batch}, ${rounds} rounds`,
  );

  const db = await startBenchDatabase();
  const admin = newBoss(db.url, 2, true);
  const results: RoundResult[] = [];
  try {
    await admin.start();
    const userId = await createBenchUser(db.sql, 'bench-queue');
    for (let round = 1; round <= rounds; round++) {
      // Alternate which system goes first, so drift on a shared machine hits both alike.
      const order = round % 2 === 1 ? ['table', 'pg-boss'] : ['pg-boss', 'table'];
      for (const system of order) {
        const result =
          system === 'table'
            ? await runTableRound(db.sql, db.url, userId, total, batch)
            : await runBossRound(db.sql, admin, db.url, round, total, batch);
        results.push(result);
        console.log(
          `round ${round} ${result.system.padEnd(7)} ${fixed(total / result.seconds, 0)} claims/s` +
            ` (${fixed(result.seconds, 2)} s, claims ${result.claims},` +
            ` double ${result.doubleClaims}, unclaimed ${result.unclaimed})`,
        );
      }
    }
  } finally {
    await admin.stop({ graceful: false, wait: true }).catch(() => undefined);
    await db.stop();
  }
  return report(results, total);
}

function report(results: RoundResult[], total: number): SummaryRow[] {
  const rate = (system: RoundResult['system']) =>
    median(results.filter((r) => r.system === system).map((r) => total / r.seconds));
  const table = rate('table');
  const boss = rate('pg-boss');
  const ratio = `${fixed(table / boss, 2)}x pg-boss`;
  const doubles =
    sumOf(results, 'table', 'doubleClaims') + sumOf(results, 'pg-boss', 'doubleClaims');
  const unclaimed = sumOf(results, 'table', 'unclaimed') + sumOf(results, 'pg-boss', 'unclaimed');

  console.log('');
  printTable(
    ['system', 'claims/s (median)', 'double claims', 'handed out twice', 'unclaimed'],
    (['table', 'pg-boss'] as const).map((system) => [
      system === 'table' ? 'table queue (dequeue_due + claim_task)' : 'pg-boss (fetch + complete)',
      fixed(rate(system), 0),
      String(sumOf(results, system, 'doubleClaims')),
      String(sumOf(results, system, 'redelivered')),
      String(sumOf(results, system, 'unclaimed')),
    ]),
  );
  console.log(`ratio table/pg-boss: ${ratio}; double claims over all rounds: ${doubles}`);

  return [
    { benchmark: 'queue', metric: 'table queue claims/s', value: fixed(table, 0), ratio },
    { benchmark: 'queue', metric: 'pg-boss claims/s', value: fixed(boss, 0), ratio: '1.00x' },
    {
      benchmark: 'queue',
      metric: 'double claims / unclaimed (all rounds)',
      value: `${doubles} / ${unclaimed}`,
      ratio: '-',
    },
  ];
}

function sumOf(
  results: RoundResult[],
  system: RoundResult['system'],
  field: 'doubleClaims' | 'redelivered' | 'unclaimed',
): number {
  return results.filter((r) => r.system === system).reduce((sum, r) => sum + r[field], 0);
}
