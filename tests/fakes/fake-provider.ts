/*
 * A scriptable stand-in for the local provider: same wire format (local-provider/server.ts),
 * so the `local` client points at it by base URL, from Node or from workerd over HTTP.
 *
 * Control endpoints (never delayed, never counted):
 *   POST /__control/script  body FakeScript: replaces the script (jobs and stats are kept)
 *   POST /__control/reset   forgets the script, every job and the stats
 *   GET  /__control/stats   FakeStats
 *
 * FakeScript (every field optional; unknown fields are refused so a typo cannot pass silently)
 *   latencyMs   every provider request waits this long first
 *   default     Behaviour of jobs whose prompt is not listed in `prompts`
 *   prompts     {"<exact prompt>": Behaviour}
 *   submits     [Fault]      answers of the next POST /v1/generations, one each, in order
 *   polls       [PollFault]  answers of the next GET /v1/generations/:id, one each, in order
 *   downloads   [Fault]      answers of the next GET /v1/generations/:id/video, one each
 * Behaviour
 *   submit       Fault for every submit of this prompt (e.g. always safety_rejected)
 *   runningPolls polls answered "rendering" before the outcome (default 1)
 *   progress     progress of those polls, in order (default evenly spaced)
 *   outcome      {"status":"succeeded"} (default) or
 *                {"status":"failed","code":"render_failed","message"?: "...","retryable"?: false}
 *   download     Fault for every download of this job's video (e.g. {"status":410})
 * Fault: {"delayMs"?, "status"?, "code"?, "message"?, "retryAfter"?, "malformed"?}
 *   {} answers normally. delayMs waits, then answers as the rest says. status answers that
 *   status with {"error":{code,message}} (code defaults from the status) and Retry-After when
 *   retryAfter is set. malformed answers 200 with a body that is not JSON.
 *   A queued fault replaces the behaviour's fault for its request. A submit answered with
 *   status or malformed creates no job; a submit that is only delayed creates it first (as a
 *   provider that accepted the job but answered too late).
 * PollFault: Fault plus "lose": true, which forgets the job, then answers 404.
 *
 * Example: {"default":{"runningPolls":2,"progress":[30,70]},
 *           "submits":[{"status":429,"retryAfter":2},{"delayMs":5000}],
 *           "prompts":{"forbidden":{"submit":{"status":400,"code":"safety_rejected"}}}}
 *
 * FakeStats: submissions = every POST /v1/generations (attempts, replays and faults included);
 * submissionsByTask = the same per idempotency_key; jobs = generations created (an
 * idempotent replay creates none); jobsByTask = the same per idempotency_key, so "the task
 * reached the provider once" is `jobsByTask[taskId] === 1`; polls and downloads = requests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  describeIssues,
  InputError,
  parseCreateRequest,
  type GenerationBody,
} from '../../local-provider/wire-format.ts';
import { fakeVideo } from './fake-video.ts';

const faultShape = {
  delayMs: z.number().int().min(0).optional(),
  status: z.number().int().min(200).max(599).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  retryAfter: z.union([z.number().min(0), z.string()]).optional(),
  malformed: z.boolean().optional(),
};
const faultSchema = z.strictObject(faultShape);
const pollFaultSchema = z.strictObject({ ...faultShape, lose: z.boolean().optional() });
const outcomeSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('succeeded') }),
  z.strictObject({
    status: z.literal('failed'),
    code: z.string().min(1),
    message: z.string().optional(),
    retryable: z.boolean().optional(),
  }),
]);
const behaviourSchema = z.strictObject({
  submit: faultSchema.optional(),
  runningPolls: z.number().int().min(0).optional(),
  progress: z.array(z.number().min(0).max(100)).optional(),
  outcome: outcomeSchema.optional(),
  download: faultSchema.optional(),
});
export const fakeScriptSchema = z.strictObject({
  latencyMs: z.number().int().min(0).optional(),
  default: behaviourSchema.optional(),
  prompts: z.record(z.string(), behaviourSchema).optional(),
  submits: z.array(faultSchema).optional(),
  polls: z.array(pollFaultSchema).optional(),
  downloads: z.array(faultSchema).optional(),
});

export type Fault = z.infer<typeof faultSchema>;
export type PollFault = z.infer<typeof pollFaultSchema>;
export type Behaviour = z.infer<typeof behaviourSchema>;
export type FakeScript = z.infer<typeof fakeScriptSchema>;

export interface FakeStats {
  submissions: number;
  submissionsByTask: Record<string, number>;
  jobs: number;
  jobsByTask: Record<string, number>;
  polls: number;
  downloads: number;
}

export interface FakeProvider {
  /** Base URL to hand to `createLocalProvider`. */
  url: string;
  close(): Promise<void>;
  reset(): void;
  /** Replaces the script; throws when it does not match FakeScript. */
  script(script: FakeScript): void;
  stats(): FakeStats;
}

interface Job {
  id: string;
  key: string | undefined;
  behaviour: Behaviour;
  polls: number;
  succeeded: boolean;
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  429: 'rate_limited',
};

const emptyStats = (): FakeStats => ({
  submissions: 0,
  submissionsByTask: {},
  jobs: 0,
  jobsByTask: {},
  polls: 0,
  downloads: 0,
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  try {
    return JSON.parse(await readText(req));
  } catch {
    return undefined;
  }
}

function bump(counts: Record<string, number>, key: string | undefined): void {
  if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
}

/** Whether `fault` replaces the normal answer (rather than only delaying it). */
function answersOtherwise(fault: Fault | undefined): boolean {
  return fault?.status !== undefined || fault?.malformed === true;
}

/** Answers `fault` if it says to answer other than normally; true when it did. */
function answerFault(res: ServerResponse, fault: Fault | undefined): boolean {
  if (!answersOtherwise(fault)) return false;
  if (fault?.malformed) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id": "gen_broken", "status": ');
    return true;
  }
  if (fault?.status === undefined) return false;
  if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter));
  const code = fault.code ?? DEFAULT_CODES[fault.status] ?? `http_${fault.status}`;
  send(res, fault.status, { error: { code, message: fault.message ?? `scripted ${code}` } });
  return true;
}

/** Starts the fake provider on `host:port` (an ephemeral port by default). */
export async function startFakeProvider(
  options: { port?: number; host?: string } = {},
): Promise<FakeProvider> {
  const video = await fakeVideo();
  const stopping = new AbortController();
  let script: FakeScript = {};
  let jobs = new Map<string, Job>();
  let byKey = new Map<string, string>();
  let stats = emptyStats();
  let baseUrl = '';

  // Cut short by close(), so a scripted delay never holds the fake open.
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done, { once: true });
    });
  const behaviourOf = (prompt: string): Behaviour =>
    script.prompts?.[prompt] ?? script.default ?? {};
  const bodyOf = (job: Job, status: GenerationBody['status'], progress: number) => ({
    id: job.id,
    status,
    progress,
    video_url: status === 'succeeded' ? `${baseUrl}/v1/generations/${job.id}/video` : null,
    error: null,
  });

  const createJob = (key: string | undefined, behaviour: Behaviour): Job => {
    const job: Job = { id: `gen_${randomUUID()}`, key, behaviour, polls: 0, succeeded: false };
    jobs.set(job.id, job);
    if (key !== undefined) byKey.set(key, job.id);
    stats.jobs += 1;
    bump(stats.jobsByTask, key);
    return job;
  };

  const submit = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.submissions += 1;
    let request: ReturnType<typeof parseCreateRequest>;
    try {
      request = parseCreateRequest(await readText(req));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return send(res, 400, { error: { code: error.code, message: error.message } });
    }
    const { prompt, idempotency_key: key } = request.body;
    bump(stats.submissionsByTask, key);
    const behaviour = behaviourOf(prompt);
    const fault = script.submits?.shift() ?? behaviour.submit;

    const knownId = key === undefined ? undefined : byKey.get(key);
    const known = knownId === undefined ? undefined : jobs.get(knownId);
    const job = known ?? (answersOtherwise(fault) ? undefined : createJob(key, behaviour));
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (answerFault(res, fault) || !job) return;
    send(res, known ? 200 : 201, bodyOf(job, 'queued', 0));
  };

  const poll = async (res: ServerResponse, job: Job | undefined): Promise<void> => {
    stats.polls += 1;
    const fault = script.polls?.shift();
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.lose && job) {
      jobs.delete(job.id);
      if (job.key !== undefined) byKey.delete(job.key);
    }
    if (fault?.lose || !job) {
      answerFault(res, { status: 404, message: 'no generation with this id' });
      return;
    }
    if (answerFault(res, fault)) return;

    const { runningPolls = 1, progress = [], outcome = { status: 'succeeded' } } = job.behaviour;
    job.polls += 1;
    if (job.polls <= runningPolls) {
      const even = Math.round((job.polls / (runningPolls + 1)) * 100);
      return send(res, 200, bodyOf(job, 'rendering', progress[job.polls - 1] ?? even));
    }
    if (outcome.status === 'succeeded') {
      job.succeeded = true;
      return send(res, 200, bodyOf(job, 'succeeded', 100));
    }
    const { code, message = `scripted ${code}`, retryable } = outcome;
    const error = { code, message, ...(retryable === undefined ? {} : { retryable }) };
    send(res, 200, { ...bodyOf(job, 'failed', 100), error });
  };

  const download = async (res: ServerResponse, job: Job | undefined): Promise<void> => {
    stats.downloads += 1;
    const fault = script.downloads?.shift() ?? job?.behaviour.download;
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (answerFault(res, fault)) return;
    if (!job?.succeeded) {
      answerFault(res, { status: 404, message: 'no video for this id' });
      return;
    }
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
    res.end(video);
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/__control/stats' && req.method === 'GET') return send(res, 200, stats);
    if (path === '/__control/reset' && req.method === 'POST') {
      api.reset();
      return send(res, 200, { ok: true });
    }
    if (path === '/__control/script' && req.method === 'POST') {
      const parsed = fakeScriptSchema.safeParse(await readJson(req));
      if (!parsed.success) {
        return send(res, 400, {
          error: { code: 'bad_script', message: describeIssues(parsed.error) },
        });
      }
      script = parsed.data;
      return send(res, 200, { ok: true });
    }
    send(res, 404, { error: { code: 'not_found', message: 'no such control endpoint' } });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path.startsWith('/__control/')) return control(req, res, path);
    if (script.latencyMs) await sleep(script.latencyMs);

    if (path === '/healthz') return send(res, 200, { ok: true });
    if (path === '/v1/generations' && req.method === 'POST') return submit(req, res);
    const match = /^\/v1\/generations\/([^/]+)(\/video)?$/.exec(path);
    if (match?.[1] !== undefined && req.method === 'GET') {
      const job = jobs.get(decodeURIComponent(match[1]));
      return match[2] === undefined ? poll(res, job) : download(res, job);
    }
    send(res, 404, { error: { code: 'not_found', message: 'no such endpoint' } });
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'internal', message: String(error) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  const api: FakeProvider = {
    url: baseUrl,
    async close() {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    reset() {
      script = {};
      jobs = new Map();
      byKey = new Map();
      stats = emptyStats();
    },
    script(next) {
      script = fakeScriptSchema.parse(structuredClone(next));
    },
    stats: () => structuredClone(stats),
  };
  return api;
}
