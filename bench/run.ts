/**
 * `npm run bench [-- name...]`: runs the benchmarks (all, or the ones named), then prints one
 * summary table and saves it under bench/results/ (git-ignored). Never part of `npm test`.
 * Knobs: BENCH_ROUNDS, BENCH_QUEUE_TASKS, BENCH_QUEUE_BATCH, BENCH_RELAY_SIZES_MIB,
 * BENCH_API_REQUESTS, BENCH_API_CONCURRENCY.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { runApiLatencyBenchmark } from './api-latency.ts';
import { runQueueBenchmark } from './queue-throughput.ts';
import { fixed, printTable, type SummaryRow } from './support/stats.ts';
import { rootDir } from './support/worker-build.ts';
import { runRelayBenchmark } from './video-relay.ts';
import { runDashboardBench } from './dashboard.ts';
import { runDiscordBench } from './discord-interactions.ts';
import { runTelegramBench } from './telegram-webhook.ts';

// The frontends' and dashboard's benchmarks print their own figures; they add no summary rows.
const printsItsOwn = (run: () => Promise<void>) => async (): Promise<SummaryRow[]> => {
  await run();
  return [];
};

const BENCHMARKS: Record<string, () => Promise<SummaryRow[]>> = {
  queue: runQueueBenchmark,
  relay: runRelayBenchmark,
  api: runApiLatencyBenchmark,
  telegram: printsItsOwn(runTelegramBench),
  discord: printsItsOwn(runDiscordBench),
  dashboard: printsItsOwn(runDashboardBench),
};

function chosen(args: string[]): string[] {
  if (args.length === 0) return Object.keys(BENCHMARKS);
  const unknown = args.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    const known = Object.keys(BENCHMARKS).join(', ');
    throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${known}`);
  }
  return args;
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = fixed(totalmem() / 1024 ** 3, 0);
  return `${cpus().length} x ${cpu}, ${memory} GiB RAM, Node ${process.versions.node}`;
}

async function main(): Promise<number> {
  const names = chosen(process.argv.slice(2));
  const started = new Date();
  console.log(`reelbot benchmarks (${names.join(', ')}) on ${machine()}, ${started.toISOString()}`);

  const rows: SummaryRow[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const benchmark = BENCHMARKS[name];
    if (!benchmark) continue;
    const t0 = performance.now();
    try {
      rows.push(...(await benchmark()));
    } catch (error) {
      // One broken benchmark should not hide the figures of the others.
      failed.push(name);
      console.error(
        `\n${name} failed:`,
        error instanceof Error ? (error.stack ?? error.message) : error,
      );
    }
    // Other people's test runs share the machine; the load shows how noisy the figures are.
    const load = loadavg()
      .map((n) => fixed(n, 1))
      .join(' ');
    console.log(`(${name} took ${fixed((performance.now() - t0) / 1000, 0)} s; load ${load})`);
  }

  console.log('\n## summary (medians)');
  printTable(
    ['benchmark', 'metric', 'value', 'ratio'],
    rows.map((row) => [row.benchmark, row.metric, row.value, row.ratio]),
  );
  if (failed.length > 0) console.log(`failed: ${failed.join(', ')}`);

  const resultsDir = join(rootDir, 'bench/results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ started, machine: machine(), rows, failed }, null, 2));
  console.log(`saved ${file}`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
