// The browser bundle carries no secret and no server code: it is built here with secret values
// in the environment, then every client file is searched for them, for the names of the
// secret settings, for the Postgres driver and for the SQL the server modules call.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const clientDir = join(root, 'dashboard/build/client');
const serverFile = join(root, 'dashboard/build/server/index.js');

const SECRET_VALUES = {
  DATABASE_URL: 'postgresql://bundle-test-user:bundle-test-db-password@db.example.com/postgres',
  SUPABASE_SERVICE_ROLE_KEY: 'bundle-test-service-role-key-value',
  SIGNING_SECRET: 'bundle-test-signing-secret-value-000000',
  ADMIN_PASSWORD: 'bundle-test-admin-password-value',
};

const FORBIDDEN = [
  ...Object.values(SECRET_VALUES),
  ...Object.keys(SECRET_VALUES),
  'rb_local_admin',
  'reelbot-local-signing-secret',
  // postgres.js, by its authentication code
  'SCRAM-SHA-256',
  // the SQL functions only server modules call
  'dashboard_list_tasks',
  'dashboard_overview',
];

async function build(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules/@remix-run/dev/dist/cli.js'),
        'vite:build',
        '--config',
        'dashboard/vite.config.ts',
      ],
      { cwd: root, env: { ...process.env, ...SECRET_VALUES }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(errors))));
  });
}

async function clientFiles(dir = clientDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? clientFiles(join(dir, entry.name)) : [join(dir, entry.name)],
    ),
  );
  return nested.flat();
}

beforeAll(build, 180_000);

describe('the client bundle', () => {
  it('contains none of the secrets, their names, the database driver or server SQL', async () => {
    const files = (await clientFiles()).filter((file) => /\.(js|css|html|json|map)$/.test(file));
    expect(files.filter((file) => file.endsWith('.js')).length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const needle of FORBIDDEN) {
        if (text.includes(needle)) found.push(`${file.slice(clientDir.length)}: ${needle}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('would find them: the server build names the settings and calls the SQL', async () => {
    const server = await readFile(serverFile, 'utf8');
    for (const needle of ['DATABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'dashboard_list_tasks']) {
      expect(server).toContain(needle);
    }
    const driver = await readFile(join(root, 'node_modules/postgres/src/startup.js'), 'utf8');
    expect(driver).toContain('SCRAM-SHA-256');
  });
});
