/**
 * Benchmark 3: latency of POST /api/generate-video at 50 concurrent clients, through the real
 * Worker (worker.ts bundled by wrangler) in workerd via Miniflare's API, with a local R2 bucket
 * and Queues producer, against a real Postgres. Two bodies: JSON text-to-video, and multipart
 * with a small PNG (which is also stored in R2). Side by side, JSON only: the same app on
 * @hono/node-server in a Node process (bench/support/node-api-server.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { sha256Hex } from '../core/crypto.ts';
import { makeImage } from '../tests/helpers/media.ts';
import { clearTasks, createBenchUser, startBenchDatabase } from './support/database.ts';
import { latencyFigures, runLoad, type LatencyFigures, type LoadRequest } from './support/load.ts';
import { startNodeApiServer } from './support/node-api-server.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { envInt, fixed, median, printTable, type SummaryRow } from './support/stats.ts';
import { buildWorker } from './support/worker-build.ts';

type BodyKind = 'json' | 'multipart';
type TargetName = 'workerd' | 'node';

interface Target {
  name: TargetName;
  url: string;
  close(): Promise<void>;
}

interface Round extends LatencyFigures {
  target: TargetName;
  body: BodyKind;
  failures: number;
}

const BOUNDARY = 'reelbot-bench-boundary';

/** Settings both targets get; the provider is never called on this path. */
export function apiBindings(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    RUNTIME_MODE: 'local',
    LOCAL_PROVIDER_URL: 'http://127.0.0.1:9',
    DNS_CHECK_IMAGE_URLS: 'false',
    PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
  };
}

async function startWorkerd(databaseUrl: string, workDir: string): Promise<Target> {
  const built = await buildWorker('worker.ts', join(workDir, 'bundle'));
  let errorLines = 0;
  const mf = new Miniflare({
    ...built,
    host: '127.0.0.1',
    port: await freePort(),
    bindings: apiBindings(databaseUrl),
    r2Buckets: ['MEDIA'],
    r2Persist: join(workDir, 'r2'),
    queueProducers: { TASK_QUEUE: 'reelbot-tasks' },
    // The Worker logs a JSON line per request; drained so it costs what a log pipe costs.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.resume();
      stderr.on('data', (chunk: Buffer) => {
        if (errorLines++ < 5) process.stderr.write(`workerd: ${chunk.toString()}`);
      });
    },
  });
  const url = await mf.ready;
  return { name: 'workerd', url: String(url), close: () => mf.dispose() };
}

function jsonRequest(apiKey: string): (i: number) => LoadRequest {
  return (i) => ({
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ prompt: `a paper boat drifting down a creek, take ${i}` })),
  });
}

function multipartRequest(apiKey: string, png: Uint8Array): (i: number) => LoadRequest {
  const image = Buffer.from(png);
  return (i) => ({
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
    },
    body: Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\ncontent-disposition: form-data; name="prompt"\r\n\r\n` +
          `the boat starts to spin, take ${i}\r\n` +
          `--${BOUNDARY}\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\n` +
          'content-type: image/png\r\n\r\n',
      ),
      image,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]),
  });
}

/** Runs the API latency benchmark; returns its summary rows. */
export async function runApiLatencyBenchmark(): Promise<SummaryRow[]> {
  const requests = envInt('BENCH_API_REQUESTS', 2000);
  const concurrency = envInt('BENCH_API_CONCURRENCY', 50);
  const rounds = envInt('BENCH_ROUNDS', 3);
  console.log(
    `\n## api: POST /api/generate-video, ${requests} requests at ${concurrency} concurrent,` +
      ` ${rounds} rounds per target and body`,
  );

  const workDir = await mkdtemp(join(tmpdir(), 'reelbot-bench-api-'));
  const db = await startBenchDatabase();
  const targets: Target[] = [];
  const results: Round[] = [];
  try {
    const userId = await createBenchUser(db.sql, 'bench-api');
    const apiKey = `rb_bench_${crypto.randomUUID().replaceAll('-', '')}`;
    await db.sql`
      insert into api_keys (user_id, name, key_hash, key_prefix)
      values (${userId}, 'bench', ${await sha256Hex(apiKey)}, ${apiKey.slice(0, 7)})`;
    const png = await makeImage('png', 160, 120);
    const builders = { json: jsonRequest(apiKey), multipart: multipartRequest(apiKey, png) };
    console.log(`multipart image: ${png.byteLength} B PNG`);

    const workerd = await startWorkerd(db.url, workDir);
    targets.push(workerd);
    const node = await startNodeApiServer(apiBindings(db.url));
    targets.push(node);
    // Node runs the JSON body only: with it, the two runtimes do the same work (no R2 put).
    const plan = [
      { target: workerd, body: 'json' },
      { target: workerd, body: 'multipart' },
      { target: node, body: 'json' },
    ] as const;

    for (let round = 1; round <= rounds; round++) {
      // Alternate the order, so drift on a shared machine hits every run alike.
      for (const { target, body } of round % 2 === 1 ? plan : [...plan].reverse()) {
        // create_task counts the user's tasks for the quota, so each run starts from empty.
        await clearTasks(db.sql);
        const load = { url: new URL('/api/generate-video', target.url).href, concurrency };
        await runLoad({ ...load, requests: Math.min(100, requests), build: builders[body] });
        const result = await runLoad({ ...load, requests, build: builders[body] });
        const ok = result.statuses.get(202) ?? 0;
        const figures = latencyFigures(result);
        results.push({ ...figures, target: target.name, body, failures: requests - ok });
        console.log(
          `round ${round} ${target.name.padEnd(7)} ${body.padEnd(9)} ${figuresText(figures)},` +
            ` non-202: ${requests - ok}` +
            (result.firstFailure ? ` (first: ${result.firstFailure})` : ''),
        );
      }
    }
  } finally {
    for (const target of targets) await target.close().catch(() => undefined);
    await db.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  return report(results);
}

function figuresText(f: LatencyFigures): string {
  return (
    `p50 ${fixed(f.p50)} ms, p99 ${fixed(f.p99)} ms, mean ${fixed(f.mean)} ms,` +
    ` ${fixed(f.rps, 0)} req/s`
  );
}

function report(results: Round[]): SummaryRow[] {
  const runs = (target: TargetName, body: BodyKind) =>
    results.filter((r) => r.target === target && r.body === body);
  const med = (target: TargetName, body: BodyKind, field: keyof LatencyFigures) =>
    median(runs(target, body).map((r) => r[field]));

  console.log('');
  printTable(
    ['target', 'body', 'p50 ms', 'p99 ms', 'mean ms', 'req/s', 'non-202'],
    PLAN_LABELS.map(({ target, body, label }) => [
      label,
      body,
      fixed(med(target, body, 'p50')),
      fixed(med(target, body, 'p99')),
      fixed(med(target, body, 'mean')),
      fixed(med(target, body, 'rps'), 0),
      String(runs(target, body).reduce((sum, r) => sum + r.failures, 0)),
    ]),
  );
  const p50Ratio = med('workerd', 'json', 'p50') / med('node', 'json', 'p50');
  const rpsRatio = med('workerd', 'json', 'rps') / med('node', 'json', 'rps');
  const multipartRatio = med('workerd', 'multipart', 'p50') / med('workerd', 'json', 'p50');
  console.log(
    `json: workerd/Node p50 ${fixed(p50Ratio, 2)}x, req/s ${fixed(rpsRatio, 2)}x;` +
      ` workerd multipart/json p50 ${fixed(multipartRatio, 2)}x`,
  );

  return (['json', 'multipart'] as const).map((body) => ({
    benchmark: 'api',
    metric: `workerd ${body}: p50 / p99 ms; req/s`,
    value:
      `${fixed(med('workerd', body, 'p50'))} / ${fixed(med('workerd', body, 'p99'))}; ` +
      fixed(med('workerd', body, 'rps'), 0),
    ratio:
      body === 'json' ? `p50 ${fixed(p50Ratio, 2)}x Node` : `p50 ${fixed(multipartRatio, 2)}x json`,
  }));
}

const PLAN_LABELS = [
  { target: 'workerd', body: 'json', label: 'workerd (Miniflare)' },
  { target: 'workerd', body: 'multipart', label: 'workerd (Miniflare)' },
  { target: 'node', body: 'json', label: 'Node (@hono/node-server)' },
] as const;
