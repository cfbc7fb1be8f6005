/*
 * The machinery every fake provider shares: a real HTTP server on a free loopback port, a
 * scriptable job model (how many polls a job runs, how it ends, faults for the next requests),
 * request logging, the MP4 file route and callback delivery. Each provider's fake (one file
 * per provider) adds only its documented routes, bodies and states.
 *
 * FakeScript (every field optional)
 *   default   Behaviour of jobs whose prompt is not listed in `prompts`
 *   prompts   {"<exact prompt>": Behaviour}
 *   submits   [Fault]  answers of the next submissions, one each, in order
 *   polls     [Fault]  answers of the next status requests
 *   downloads [Fault]  answers of the next video downloads
 * Behaviour: {runningPolls?, outcome?: {status: 'succeeded'} | {status: 'failed', code?, message?}}
 *   The first `runningPolls` status requests show the provider's running states in order.
 * Fault: {delayMs?, status?, body?, retryAfter?, malformed?}; `body` replaces the provider's
 *   usual error body for `status` (e.g. Kling's {code: 1301}); malformed answers 200 with
 *   broken JSON; a delay alone answers normally after waiting. `lose: true` forgets the job.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeVideo } from '../fake-video.ts';

export interface Fault {
  delayMs?: number;
  status?: number;
  body?: unknown;
  retryAfter?: number | string;
  malformed?: boolean;
  lose?: boolean;
}

export type Outcome =
  | { status: 'succeeded' }
  | { status: 'failed'; code?: string | number; message?: string };

export interface Behaviour {
  runningPolls?: number;
  outcome?: Outcome;
}

export interface FakeScript {
  default?: Behaviour;
  prompts?: Record<string, Behaviour>;
  submits?: Fault[];
  polls?: Fault[];
  downloads?: Fault[];
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export interface FakeJob {
  id: string;
  prompt: string;
  input: Record<string, unknown>;
  callbackUrl: string | undefined;
  behaviour: Behaviour;
  polls: number;
  canceled: boolean;
  /** Provider-specific extras (e.g. the model or endpoint kind). */
  extra: Record<string, string>;
}

export interface FakeStats {
  submissions: number;
  jobs: number;
  polls: number;
  downloads: number;
  cancels: number;
}

/** Where a job stands after one more status request. */
export type Phase =
  | { running: true; index: number; of: number }
  | { running: false; outcome: Outcome };

export interface FakeBase {
  url: string;
  requests: FakeRequest[];
  jobs: Map<string, FakeJob>;
  stats: FakeStats;
  createJob(prompt: string, input: Record<string, unknown>, callbackUrl?: string): FakeJob;
  /** Counts a status request and tells the job's phase. */
  advance(job: FakeJob): Phase;
  /** The outcome the job will reach, without counting a poll. */
  outcomeOf(job: FakeJob): Outcome;
  videoUrl(job: FakeJob): string;
  takeFault(kind: 'submits' | 'polls' | 'downloads'): Fault | undefined;
  /** The reply a fault asks for (after its delay), or undefined to answer normally. */
  faultReply(fault: Fault | undefined): Promise<Reply | undefined>;
  script(script: FakeScript): void;
  reset(): void;
  close(): Promise<void>;
}

export interface BaseOptions {
  /** The provider's usual error body for a status. */
  errorBody(status: number, message: string): unknown;
  route(request: FakeRequest): Promise<Reply | undefined>;
  /** Whether a video download is allowed (e.g. Veo wants the API key). */
  authorizeDownload?(request: FakeRequest): boolean;
  defaultRunningPolls?: number;
}

const lower = (headers: IncomingMessage['headers']): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [
      key,
      Array.isArray(value) ? value.join(',') : (value ?? ''),
    ]),
  );

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Starts the shared server; `options.route` answers the provider's own endpoints. */
export async function startFakeBase(options: BaseOptions): Promise<FakeBase> {
  const video = await fakeVideo();
  const stopping = new AbortController();
  let script: FakeScript = {};
  const emptyStats = (): FakeStats => ({
    submissions: 0,
    jobs: 0,
    polls: 0,
    downloads: 0,
    cancels: 0,
  });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      stopping.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  const send = (res: ServerResponse, reply: Reply): void => {
    const headers = { ...reply.headers };
    if (reply.json !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(reply.json));
    } else {
      res.writeHead(reply.status, headers);
      res.end(reply.text ?? '');
    }
  };

  const base: FakeBase = {
    url: '',
    requests: [],
    jobs: new Map(),
    stats: emptyStats(),
    createJob(prompt, input, callbackUrl) {
      const behaviour = script.prompts?.[prompt] ?? script.default ?? {};
      const job: FakeJob = {
        id: randomUUID(),
        prompt,
        input,
        callbackUrl,
        behaviour,
        polls: 0,
        canceled: false,
        extra: {},
      };
      base.jobs.set(job.id, job);
      base.stats.jobs += 1;
      return job;
    },
    advance(job) {
      const of = job.behaviour.runningPolls ?? options.defaultRunningPolls ?? 2;
      job.polls += 1;
      if (job.polls <= of) return { running: true, index: job.polls - 1, of };
      return { running: false, outcome: base.outcomeOf(job) };
    },
    outcomeOf: (job) => job.behaviour.outcome ?? { status: 'succeeded' },
    videoUrl: (job) => `${base.url}/files/${job.id}.mp4`,
    takeFault: (kind) => script[kind]?.shift(),
    async faultReply(fault) {
      if (!fault) return undefined;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.malformed) return { status: 200, text: '{"id": "broken", "status": ' };
      if (fault.status === undefined) return undefined;
      const headers: Record<string, string> =
        fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
      const json = fault.body ?? options.errorBody(fault.status, `scripted HTTP ${fault.status}`);
      return { status: fault.status, json, headers };
    },
    script(next) {
      script = structuredClone(next);
    },
    reset() {
      script = {};
      base.jobs.clear();
      base.requests.length = 0;
      base.stats = emptyStats();
    },
    async close() {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };

  const download = async (request: FakeRequest, res: ServerResponse, id: string) => {
    base.stats.downloads += 1;
    const reply = await base.faultReply(base.takeFault('downloads'));
    if (reply) return send(res, reply);
    if (options.authorizeDownload && !options.authorizeDownload(request)) {
      return send(res, { status: 403, json: options.errorBody(403, 'forbidden') });
    }
    if (!base.jobs.has(id)) return send(res, { status: 404, text: 'no such file' });
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
    res.end(video);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = await readBody(req);
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: lower(req.headers),
        body,
        json: parse(body),
      };
      base.requests.push(request);
      const file = /^\/files\/([^/]+)\.mp4$/.exec(url.pathname);
      if (file?.[1] && request.method === 'GET') return download(request, res, file[1]);
      const reply = await options.route(request);
      send(res, reply ?? { status: 404, json: options.errorBody(404, 'no such endpoint') });
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, json: { fake_error: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

/** POSTs a callback as the provider would; answers the receiver's status and body. */
export async function postCallback(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** What every provider fake offers the contract suite. */
export interface ProviderFake {
  url: string;
  base: FakeBase;
  script(script: FakeScript): void;
  reset(): void;
  close(): Promise<void>;
  /** The job created by the last submission. */
  lastJob(): FakeJob | undefined;
  /** The callback the provider would send now for `job` (body and headers), or null. */
  callbackFor?(job: FakeJob): Promise<{ body: string; headers: Record<string, string> } | null>;
}
