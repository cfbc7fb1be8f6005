/**
 * The edge app (bots/app.ts) on @hono/node-server in a Node process of its own, as the
 * side-by-side for the workerd run. R2 and the queue producer are in-memory substitutes that
 * keep nothing (the request path only puts, deletes and sends); everything else is the same
 * code against the same Postgres.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { freePort } from '../../scripts/lib/ports.ts';
import { rootDir } from './worker-build.ts';

export interface NodeApiServer {
  name: 'node';
  url: string;
  close(): Promise<void>;
}

const READY = 'READY';

/** Starts the server process; resolves once it listens. */
export async function startNodeApiServer(bindings: Record<string, string>): Promise<NodeApiServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, String(port), JSON.stringify(bindings)],
    { cwd: rootDir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line !== READY) return;
      lines.close();
      // The app logs a JSON line per request; drained so it costs what a log pipe costs.
      child.stdout.resume();
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`node API server exited ${code}`)));
  });

  return {
    name: 'node',
    url: `http://127.0.0.1:${port}`,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// An R2Bucket substitute for the calls the request path makes (put of bytes, delete).
function memoryBucket(): R2Bucket {
  const bucket = {
    put(key: string, value: Uint8Array, options?: R2PutOptions) {
      const contentType =
        options?.httpMetadata instanceof Headers ? undefined : options?.httpMetadata?.contentType;
      return Promise.resolve({ key, size: value.byteLength, httpMetadata: { contentType } });
    },
    delete: () => Promise.resolve(),
  };
  return bucket as unknown as R2Bucket;
}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const bindings = JSON.parse(process.argv[3] ?? '{}') as Record<string, string>;
  const { serve } = await import('@hono/node-server');
  const { app } = await import('../../bots/app.ts');

  const env = {
    ...bindings,
    MEDIA: memoryBucket(),
    TASK_QUEUE: { send: () => Promise.resolve() } as unknown as Queue,
  };
  const ctx = {
    waitUntil: (promise: Promise<unknown>) => void promise.catch(() => undefined),
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext;

  const server = serve({
    fetch: (request) => app.fetch(request, env, ctx),
    port,
    hostname: '127.0.0.1',
  });
  server.once('listening', () => console.log(READY));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
