/**
 * One measured run of the relay benchmark in a process of its own, so its peak RSS belongs to
 * that run alone. Modes: `plain` (node:http body piped to a file, the Node baseline), `fs`
 * (advance with the folder ObjectStore), `r2-put` (inside workerd: the body straight into R2,
 * the workerd baseline), `r2` (advance inside workerd with Miniflare's R2). Each mode first
 * relays a small warm-up body, then the measured one; prints `RESULT {json}`. Each mode imports
 * only what it uses, so its baseline RSS carries nothing of another mode.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { descendants, procMemory, startRssSampler, sumMemory, type Memory } from './rss.ts';
import { loadBuiltWorker } from './worker-build.ts';

export type RelayMode = 'plain' | 'fs' | 'r2-put' | 'r2';

export interface RelayJob {
  mode: RelayMode;
  bytes: number;
  /** The measured body and a small one that warms up code paths and connections first. */
  url: string;
  warmUrl: string;
  /** Tasks whose provider job id is `url` / `warmUrl` (fs and r2 modes). */
  taskId: string;
  warmTaskId: string;
  databaseUrl: string;
  workDir: string;
  /** Where buildWorker put bench/relay-worker.ts (r2 mode). */
  bundleDir: string;
}

export interface RelayRunResult {
  seconds: number;
  storedBytes: number;
  /**
   * The process that holds the bytes (workerd in the r2 modes, else this Node process): its
   * memory just before the measured copy and the highest sampled during it.
   */
  baseline: Memory;
  peak: Memory;
}

const forceGc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function plainCopy(url: string, file: string): Promise<number> {
  const response = await new Promise<Readable>((resolve, reject) =>
    get(url, resolve).once('error', reject),
  );
  await pipeline(response, createWriteStream(file));
  const size = (await stat(file)).size;
  await rm(file);
  return size;
}

type Step = (taskId: string) => Promise<number>;

async function measure(job: RelayJob, step: Step, workerd: number[] = []) {
  await step(job.warmTaskId);
  forceGc();
  const holder = () => (workerd.length > 0 ? sumMemory(workerd) : procMemory('self'));
  const baseline = holder();
  const sampler = startRssSampler(workerd);
  const started = performance.now();
  const storedBytes = await step(job.taskId);
  const seconds = (performance.now() - started) / 1000;
  const peak = sampler.stop();
  return { seconds, storedBytes, baseline, peak: workerd.length > 0 ? peak.others : peak.self };
}

async function runPlain(job: RelayJob): Promise<RelayRunResult> {
  const file = join(job.workDir, 'plain.mp4');
  const urls = new Map([
    [job.warmTaskId, job.warmUrl],
    [job.taskId, job.url],
  ]);
  return measure(job, (id) => plainCopy(urls.get(id) ?? '', file));
}

async function runFs(job: RelayJob): Promise<RelayRunResult> {
  const { createFsStore } = await import('../../consumer/fs-store.ts');
  const { createRelayService } = await import('./relay-service.ts');
  const objects = createFsStore(join(job.workDir, 'objects'));
  const relay = createRelayService(job.databaseUrl, objects);
  try {
    return await measure(job, async (taskId) => {
      const outcome = await relay.service.advance(taskId);
      const stored = await objects.head(`outputs/${taskId}.mp4`);
      if (outcome.kind !== 'finished' || !stored) {
        throw new Error(`relay did not store the video: ${JSON.stringify(outcome)}`);
      }
      await objects.delete(stored.key);
      return stored.size;
    });
  } finally {
    await relay.close();
  }
}

async function runR2(job: RelayJob): Promise<RelayRunResult> {
  const { Miniflare } = await import('miniflare');
  const built = await loadBuiltWorker(job.bundleDir);
  const mf = new Miniflare({
    ...built,
    host: '127.0.0.1',
    port: 0,
    bindings: { DATABASE_URL: job.databaseUrl },
    r2Buckets: ['MEDIA'],
    // On disk, as in production R2 nothing stays in the Worker's memory.
    r2Persist: join(job.workDir, 'r2'),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.pipe(process.stderr);
      stderr.pipe(process.stderr);
    },
  });
  try {
    await mf.ready;
    const route = job.mode === 'r2' ? 'relay' : 'put';
    const workerd = descendants(process.pid);
    return await measure(
      job,
      async (taskId) => {
        const url = taskId === job.taskId ? job.url : job.warmUrl;
        const response = await mf.dispatchFetch(`http://relay.bench/${route}`, {
          method: 'POST',
          body: JSON.stringify(job.mode === 'r2' ? { taskId } : { url }),
        });
        const answer = (await response.json()) as { size?: number | null; error?: string };
        if (!response.ok || typeof answer.size !== 'number') {
          throw new Error(`relay worker failed: ${JSON.stringify(answer)}`);
        }
        return answer.size;
      },
      workerd,
    );
  } finally {
    await mf.dispose();
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as RelayJob;
  await mkdir(job.workDir, { recursive: true });
  const runners = { plain: runPlain, fs: runFs, 'r2-put': runR2, r2: runR2 } as const;
  const result = await runners[job.mode](job);
  if (result.storedBytes !== job.bytes) {
    throw new Error(`stored ${result.storedBytes} bytes, expected ${job.bytes}`);
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
