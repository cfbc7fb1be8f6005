/**
 * Benchmark 2: copying a provider's finished video into storage through the task service's own
 * path (advance -> storeVideo: fetch, objects.put, the MP4 check, complete_task) beside a plain
 * node:http-to-file copy of the same body, at 100, 250 and 500 MiB. Each run is a fresh child
 * process (bench/support/relay-child.ts), so its peak RSS is that run's alone; memory must stay
 * flat as the size grows.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { createBenchUser, startBenchDatabase } from './support/database.ts';
import { startMp4Source } from './support/mp4-source.ts';
import type { RelayJob, RelayMode, RelayRunResult } from './support/relay-child.ts';
import { RELAY_PROVIDER } from './support/relay-service.ts';
import { envInt, fixed, median, MIB, printTable, type SummaryRow } from './support/stats.ts';
import { buildWorker, rootDir } from './support/worker-build.ts';

const MODES: readonly RelayMode[] = ['plain', 'fs', 'r2-put', 'r2'];
const MODE_LABEL: Record<RelayMode, string> = {
  plain: 'plain copy: http -> file (Node)',
  fs: 'advance -> fs store (Node)',
  'r2-put': 'plain put: fetch -> R2 (workerd)',
  r2: 'advance -> R2 store (workerd)',
};
// What each mode is compared with: the plain copy in the same runtime.
const BASELINE: Record<RelayMode, RelayMode> = {
  plain: 'plain',
  fs: 'plain',
  'r2-put': 'plain',
  r2: 'r2-put',
};
const WARM_BYTES = 4 * MIB;
const CHILD = join(rootDir, 'bench/support/relay-child.ts');

interface Run extends RelayRunResult {
  mode: RelayMode;
  mib: number;
}

function sizesMib(): number[] {
  const raw = process.env.BENCH_RELAY_SIZES_MIB ?? '100,250,500';
  const sizes = raw.split(',').map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new RangeError(`BENCH_RELAY_SIZES_MIB must list whole MiB, got "${raw}"`);
  }
  return sizes;
}

async function seedRelayTask(sql: postgres.Sql, userId: string, url: string): Promise<string> {
  // Already submitted and running at the provider, so the next step polls and stores.
  const [task] = await sql<{ id: string }[]>`
    insert into video_tasks (user_id, source, prompt, provider, params, provider_job_id,
                             status, deadline_at, next_run_at)
    values (${userId}, 'api', 'bench relay', ${RELAY_PROVIDER}, '{"duration": 5, "ratio": "16:9"}',
            ${url}, 'processing', now() + interval '1 hour', now())
    returning id`;
  if (!task) throw new Error('relay task not created');
  return task.id;
}

function runChild(job: RelayJob): Promise<RelayRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', CHILD, JSON.stringify(job)],
      {
        cwd: rootDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)) as RelayRunResult);
      else
        reject(new Error(`relay child (${job.mode}, ${job.bytes} B) exited ${code}:\n${stderr}`));
    });
  });
}

/** Runs the relay benchmark; returns its summary rows. */
export async function runRelayBenchmark(): Promise<SummaryRow[]> {
  const sizes = sizesMib();
  const rounds = envInt('BENCH_ROUNDS', 3);
  console.log(`\n## relay: ${sizes.join(', ')} MiB, modes ${MODES.join(', ')}, ${rounds} rounds`);

  const workDir = await mkdtemp(join(tmpdir(), 'reelbot-bench-relay-'));
  const db = await startBenchDatabase();
  const source = await startMp4Source();
  const runs: Run[] = [];
  try {
    const bundleDir = join(workDir, 'bundle');
    await buildWorker('bench/relay-worker.ts', bundleDir);
    const userId = await createBenchUser(db.sql, 'bench-relay');
    for (let round = 1; round <= rounds; round++) {
      for (const mib of sizes) {
        for (const mode of MODES) {
          const bytes = mib * MIB;
          const url = source.url(bytes);
          const warmUrl = source.url(WARM_BYTES);
          const job: RelayJob = {
            mode,
            bytes,
            url,
            warmUrl,
            taskId: await seedRelayTask(db.sql, userId, url),
            warmTaskId: await seedRelayTask(db.sql, userId, warmUrl),
            databaseUrl: db.url,
            workDir: join(workDir, `run-${round}-${mib}-${mode}`),
            bundleDir,
          };
          const result = await runChild(job);
          await rm(job.workDir, { recursive: true, force: true });
          runs.push({ ...result, mode, mib });
          console.log(
            `round ${round} ${String(mib).padStart(4)} MiB ${mode.padEnd(6)} ` +
              `${fixed(mib / result.seconds, 0)} MiB/s, ${memoryText(mode, result)}`,
          );
        }
      }
    }
  } finally {
    await source.close();
    await db.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  return report(runs, sizes);
}

function memoryText(mode: RelayMode, run: RelayRunResult): string {
  const where = mode.startsWith('r2') ? 'workerd' : 'node';
  return (
    `${where} peak RSS ${fixed(run.peak.rss / MIB, 0)} MiB` +
    ` (anon ${fixed(run.peak.anon / MIB, 0)}, baseline ${fixed(run.baseline.anon / MIB, 0)})`
  );
}

function report(runs: Run[], sizes: number[]): SummaryRow[] {
  const pick = (mode: RelayMode, mib: number) =>
    runs.filter((r) => r.mode === mode && r.mib === mib);
  const speed = (mode: RelayMode, mib: number) =>
    median(pick(mode, mib).map((r) => r.mib / r.seconds));
  const versus = (mode: RelayMode, mib: number) =>
    `${fixed(speed(mode, mib) / speed(BASELINE[mode], mib), 2)}x ${BASELINE[mode]}`;
  const peak = (mode: RelayMode, mib: number) => median(pick(mode, mib).map((r) => r.peak.rss));
  // Anonymous memory above the warmed-up baseline: what the copy itself holds.
  const held = (mode: RelayMode, mib: number) =>
    median(pick(mode, mib).map((r) => r.peak.anon - r.baseline.anon));

  console.log('');
  printTable(
    ['mode', 'MiB', 'MiB/s (median)', 'ratio', 'peak RSS MiB', 'anon over baseline MiB'],
    MODES.flatMap((mode) =>
      sizes.map((mib) => [
        MODE_LABEL[mode],
        String(mib),
        fixed(speed(mode, mib), 0),
        versus(mode, mib),
        fixed(peak(mode, mib) / MIB, 0),
        fixed(held(mode, mib) / MIB, 1),
      ]),
    ),
  );

  // storeVideo's fetch carries AbortSignal.timeout(PROVIDER_TIMEOUT_MS), which also bounds the
  // body; this benchmark raises it, so say which runs the default would have cut off.
  const slow = runs.filter((r) => (r.mode === 'fs' || r.mode === 'r2') && r.seconds > 30);
  console.log(
    `relay runs over the default PROVIDER_TIMEOUT_MS (30 s): ${slow.length}` +
      slow.map((r) => ` [${r.mode} ${r.mib} MiB: ${fixed(r.seconds, 0)} s]`).join(''),
  );

  const smallest = sizes[0] ?? 0;
  const largest = sizes[sizes.length - 1] ?? 0;
  const rows: SummaryRow[] = [];
  for (const mode of MODES) {
    const rssGrowth = (peak(mode, largest) - peak(mode, smallest)) / MIB;
    const heldGrowth = (held(mode, largest) - held(mode, smallest)) / MIB;
    console.log(
      `${MODE_LABEL[mode]}: from ${smallest} to ${largest} MiB, peak RSS ` +
        `${signed(rssGrowth)} MiB, anon over baseline ${signed(heldGrowth)} MiB`,
    );
    rows.push({
      benchmark: 'relay',
      metric: `${mode} ${largest} MiB: MiB/s; peak RSS growth ${smallest}->${largest} MiB`,
      value: `${fixed(speed(mode, largest), 0)}; ${signed(rssGrowth)} MiB`,
      ratio: versus(mode, largest),
    });
  }
  return rows;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${fixed(value, 1)}`;
}
