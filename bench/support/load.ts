// A closed-loop load generator: `concurrency` clients on keep-alive connections, each sending
// its next request as soon as the previous answer is read, until `requests` are done.
import { Agent, request } from 'node:http';
import { mean, percentile } from './stats.ts';

export interface LoadRequest {
  headers: Record<string, string>;
  body: Buffer;
}

export interface LoadOptions {
  url: string;
  requests: number;
  concurrency: number;
  /** Builds the i-th request. */
  build: (i: number) => LoadRequest;
}

export interface LoadResult {
  seconds: number;
  /** Latency of every request, sorted ascending. */
  latenciesMs: number[];
  statuses: Map<number, number>;
  /** The first answer whose status was not 2xx, to explain failures. */
  firstFailure: string | null;
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  mean: number;
  rps: number;
}

function send(agent: Agent, url: URL, req: LoadRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...req.headers, 'content-length': String(req.body.byteLength) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(req.body);
  });
}

/** Runs the load; network errors reject, HTTP errors are counted in `statuses`. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.url);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let firstFailure: string | null = null;
  let next = 0;

  const client = async () => {
    while (next < options.requests) {
      const req = options.build(next++);
      const started = performance.now();
      const answer = await send(agent, url, req);
      latencies.push(performance.now() - started);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if ((answer.status < 200 || answer.status > 299) && firstFailure === null) {
        firstFailure = `${answer.status} ${answer.body.slice(0, 300)}`;
      }
    }
  };

  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, latenciesMs: latencies.sort((a, b) => a - b), statuses, firstFailure };
}

/** p50, p99 and mean latency in ms, and requests per second. */
export function latencyFigures(result: LoadResult): LatencyFigures {
  return {
    p50: percentile(result.latenciesMs, 50),
    p99: percentile(result.latenciesMs, 99),
    mean: mean(result.latenciesMs),
    rps: result.latenciesMs.length / result.seconds,
  };
}
