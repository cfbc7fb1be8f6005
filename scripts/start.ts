/**
 * `npm start`: the whole stack on one machine with no account and no internet. Embedded
 * Postgres on 54322 (migrations applied, demo data seeded), the local ffmpeg provider, and the
 * edge Worker under `wrangler dev` with local Queues and R2 on 127.0.0.1:8787, and the admin
 * dashboard (built, then under `wrangler dev`) on 127.0.0.1:8788. Settings come from .dev.vars
 * and the process environment (which wins). Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { SETTING_NAMES } from '../core/config.ts';
import { createLocalProviderServer } from '../local-provider/server.ts';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { resolveDefaultFontPath } from '../local-provider/render.ts';
import {
  leaveSignalsToCaller,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from './db/embedded.ts';
import { applyMigrations, ensureSupabaseRoles } from './db/migrate.ts';
import { seedDatabase } from './db/seed.ts';
import { assertPortsFree, stopProcessGroup, waitForHttp } from './lib/ports.ts';
import { loadSettings } from './lib/settings.ts';

const root = new URL('../', import.meta.url).pathname;
const stateDir = join(root, '.reelbot');

const LOCAL_DEFAULTS: Record<string, string> = {
  RUNTIME_MODE: 'local',
  DB_PORT: '54322',
  WORKER_PORT: '8787',
  DASHBOARD_PORT: '8788',
  ADMIN_PASSWORD: 'rb_local_admin',
  LOCAL_PROVIDER_PORT: '8790',
  DEMO_API_KEY: 'rb_local_demo_key',
  // Workers have no DNS of their own and the local stack may have no internet; literal
  // addresses and local names are still refused.
  DNS_CHECK_IMAGE_URLS: 'false',
};

async function main(): Promise<void> {
  const settings = await loadSettings(root, LOCAL_DEFAULTS);
  const dbPort = Number(settings.DB_PORT);
  const workerPort = Number(settings.WORKER_PORT);
  const dashboardPort = Number(settings.DASHBOARD_PORT);
  const providerPort = Number(settings.LOCAL_PROVIDER_PORT);
  const externalDatabase = Boolean(process.env.DATABASE_URL);
  settings.DATABASE_URL ??= `postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`;
  settings.LOCAL_PROVIDER_URL ??= `http://127.0.0.1:${providerPort}`;
  settings.PUBLIC_BASE_URL ??= `http://127.0.0.1:${workerPort}`;

  await assertPortsFree([
    ...(externalDatabase ? [] : [{ port: dbPort, what: 'Postgres (DB_PORT)' }]),
    { port: workerPort, what: 'the edge Worker (WORKER_PORT)' },
    { port: dashboardPort, what: 'the dashboard (DASHBOARD_PORT)' },
    { port: providerPort, what: 'the local provider (LOCAL_PROVIDER_PORT)' },
  ]);

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  let stopping = false;
  const shutdown = (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping reelbot…');
    void stopAll().then(() => process.exit(code));
  };
  // Everything is stopped here, Workers first and Postgres last.
  leaveSignalsToCaller();
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  try {
    let database: EmbeddedDatabase | undefined;
    if (!externalDatabase) {
      step(`Postgres on 127.0.0.1:${dbPort}`);
      database = await startEmbeddedPostgres({
        dataDir: join(stateDir, 'postgres'),
        port: dbPort,
        persistent: true,
      });
      stops.push(() => database?.stop() ?? Promise.resolve());
    }

    const sql = postgres(settings.DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      await ensureSupabaseRoles(sql);
      const applied = await applyMigrations(sql);
      step(applied.length ? `Applied migrations ${applied.join(', ')}` : 'Schema is up to date');
      await seedDatabase(sql, settings.DEMO_API_KEY ?? 'rb_local_demo_key');
    } finally {
      await sql.end();
    }

    step(`Local provider on 127.0.0.1:${providerPort}`);
    const provider = createLocalProviderServer({
      ffmpegPath: ffmpegInstaller.path,
      fontPath: resolveDefaultFontPath(),
      workDir: join(stateDir, 'local-provider'),
    });
    await provider.listen(providerPort, '127.0.0.1');
    stops.push(() => provider.close());

    step('Building the dashboard');
    await buildDashboard();

    step(`Edge Worker (wrangler dev) on 127.0.0.1:${workerPort}`);
    const envFile = await writeWorkerEnv(settings);
    const worker = startWrangler(envFile, ['--port', String(workerPort)]);
    step(`Dashboard (wrangler dev) on 127.0.0.1:${dashboardPort}`);
    const dashboard = startWrangler(envFile, [
      '--config',
      join(root, 'dashboard/wrangler.toml'),
      '--env',
      'local',
      '--port',
      String(dashboardPort),
    ]);
    for (const [child, name] of [
      [worker, 'the edge Worker'],
      [dashboard, 'the dashboard'],
    ] as const) {
      stops.push(() => stopProcessGroup(child));
      child.once('exit', (code) => {
        if (!stopping) {
          console.error(`wrangler dev for ${name} exited (${code}); stopping.`);
          shutdown(1);
        }
      });
    }
    await waitForHttp(`http://127.0.0.1:${workerPort}/healthz`, 90_000);
    await waitForHttp(`http://127.0.0.1:${dashboardPort}/login`, 90_000);

    // Cron triggers do not fire under `wrangler dev`; run the sweeper ourselves.
    const sweeper = setInterval(() => {
      fetch(`http://127.0.0.1:${workerPort}/cdn-cgi/handler/scheduled`).catch(() => undefined);
    }, 30_000);
    stops.push(async () => clearInterval(sweeper));

    printBanner(settings, workerPort, dashboardPort);
  } catch (error) {
    console.error(`\nreelbot could not start: ${error instanceof Error ? error.message : error}`);
    await stopAll();
    process.exit(1);
  }
}

function step(message: string): void {
  console.log(`• ${message}`);
}

// Only settings the Workers read are handed over, through a generated env file.
async function writeWorkerEnv(settings: Record<string, string>): Promise<string> {
  const lines = SETTING_NAMES.filter((name) => settings[name] !== undefined).map(
    (name) => `${name}=${JSON.stringify(settings[name])}`,
  );
  await mkdir(stateDir, { recursive: true });
  const envFile = join(stateDir, 'worker.env');
  await writeFile(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return envFile;
}

// The dashboard Worker serves its production build (client assets and the Remix server build).
function buildDashboard(): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules/@remix-run/dev/dist/cli.js'),
      'vite:build',
      '--config',
      join(root, 'dashboard/vite.config.ts'),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the dashboard build failed (exit ${code})`)),
    );
  });
}

// Both Workers persist to the same folder, so they share local R2 (not Queues: the dashboard
// consumes its own local queue; see dashboard/wrangler.toml).
function startWrangler(envFile: string, args: string[]): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      ...args,
      '--persist-to',
      join(stateDir, 'wrangler'),
      '--env-file',
      envFile,
      '--show-interactive-dev-session=false',
      '--inspector-port',
      '0',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
      },
    },
  );
  return child;
}

function printBanner(
  settings: Record<string, string>,
  workerPort: number,
  dashboardPort: number,
): void {
  const base = `http://127.0.0.1:${workerPort}`;
  const key = settings.DEMO_API_KEY;
  console.log(`
reelbot is running.

  Dashboard       http://127.0.0.1:${dashboardPort}   (password: ${settings.ADMIN_PASSWORD})
  REST API        ${base}/api   (OpenAPI: ${base}/api/openapi.json)
  Database        ${settings.DATABASE_URL}
  Local provider  ${settings.LOCAL_PROVIDER_URL}
  Demo API key    ${key}

Make a video from an image:
  curl -s -H "Authorization: Bearer ${key}" -F prompt="a slow pan over the city" \\
    -F image=@photo.jpg ${base}/api/generate-video
Then poll the status_url it returns until status is "completed" and open output_video_url.

Press Ctrl-C to stop.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
