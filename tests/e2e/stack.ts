// The whole local stack for the browser suite, on free loopback ports: embedded Postgres with
// the real migrations and seed, the local ffmpeg provider, the edge Worker and the dashboard
// Worker (its production build) under `wrangler dev`, sharing local R2 through --persist-to.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import postgres from 'postgres';
import { resolveDefaultFontPath } from '../../local-provider/render.ts';
import { createLocalProviderServer } from '../../local-provider/server.ts';
import { startEmbeddedPostgres } from '../../scripts/db/embedded.ts';
import { applyMigrations, ensureSupabaseRoles } from '../../scripts/db/migrate.ts';
import { seedDatabase } from '../../scripts/db/seed.ts';
import { freePort, stopProcessGroup, waitForHttp } from '../../scripts/lib/ports.ts';

export const root = new URL('../../', import.meta.url).pathname;
export const resultsDir = join(root, 'test-results/e2e');
export const ADMIN_PASSWORD = 'rb_e2e_admin_password';

export interface Stack {
  databaseUrl: string;
  edgeUrl: string;
  dashboardUrl: string;
  stop(): Promise<void>;
}

function run(command: string, args: string[], log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(log);
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}; see ${log}`)),
    );
  });
}

function wranglerDev(args: string[], log: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--show-interactive-dev-session=false',
      '--inspector-port',
      '0',
      ...args,
    ],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const out = createWriteStream(log);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** Builds the dashboard and starts everything; stop() tears it all down. */
export async function startStack(): Promise<Stack> {
  const logs = join(resultsDir, 'logs');
  await mkdir(logs, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'reelbot-e2e-'));
  const [dbPort, providerPort, edgePort, dashboardPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await run(
      process.execPath,
      [
        join(root, 'node_modules/@remix-run/dev/dist/cli.js'),
        'vite:build',
        '--config',
        'dashboard/vite.config.ts',
      ],
      join(logs, 'dashboard-build.log'),
    );

    // Its own temporary folder: Postgres runs as another user and must own it.
    const dataDir = await mkdtemp(join(tmpdir(), 'reelbot-e2e-pg-'));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const db = await startEmbeddedPostgres({
      dataDir,
      port: dbPort,
      persistent: false,
    });
    stops.push(() => db.stop());
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await ensureSupabaseRoles(sql);
      await applyMigrations(sql);
      await seedDatabase(sql, 'rb_e2e_demo_key');
    } finally {
      await sql.end();
    }

    const provider = createLocalProviderServer({
      ffmpegPath: ffmpegInstaller.path,
      fontPath: resolveDefaultFontPath(),
      workDir: join(dir, 'provider'),
    });
    await provider.listen(providerPort, '127.0.0.1');
    stops.push(() => provider.close());

    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    const envFile = join(dir, 'worker.env');
    const settings = {
      RUNTIME_MODE: 'local',
      DATABASE_URL: db.url,
      LOCAL_PROVIDER_URL: `http://127.0.0.1:${providerPort}`,
      PUBLIC_BASE_URL: edgeUrl,
      SIGNING_SECRET: 'e2e-signing-secret-of-at-least-32-characters',
      ADMIN_PASSWORD,
      DNS_CHECK_IMAGE_URLS: 'false',
    };
    await writeFile(
      envFile,
      Object.entries(settings)
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join('\n'),
    );
    const persist = ['--persist-to', join(dir, 'wrangler'), '--env-file', envFile];

    const edge = wranglerDev(['--port', String(edgePort), ...persist], join(logs, 'edge.log'));
    stops.push(() => stopProcessGroup(edge));
    const dashboard = wranglerDev(
      [
        '--config',
        'dashboard/wrangler.toml',
        '--env',
        'local',
        '--port',
        String(dashboardPort),
        ...persist,
      ],
      join(logs, 'dashboard.log'),
    );
    stops.push(() => stopProcessGroup(dashboard));

    const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
    await Promise.all([
      waitForHttp(`${edgeUrl}/healthz`, 120_000),
      waitForHttp(`${dashboardUrl}/login`, 120_000),
    ]);
    return { databaseUrl: db.url, edgeUrl, dashboardUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
