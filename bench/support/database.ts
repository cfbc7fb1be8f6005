// A throwaway Postgres for one benchmark: embedded binaries, a free loopback port, a temp data
// folder, Supabase's roles and the real migrations; stop() removes every trace of it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../scripts/db/embedded.ts';
import { applyMigrations, ensureSupabaseRoles } from '../../scripts/db/migrate.ts';
import { freePort } from '../../scripts/lib/ports.ts';

export interface BenchDatabase {
  url: string;
  /** An admin client for seeding and checks; the benchmarked code opens its own. */
  sql: postgres.Sql;
  stop(): Promise<void>;
}

/** Starts Postgres with the schema applied; the caller must call stop(). */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reelbot-bench-pg-'));
  const port = await freePort();
  const db = await startEmbeddedPostgres({ dataDir, port, persistent: false });
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  try {
    await ensureSupabaseRoles(sql);
    await applyMigrations(sql);
  } catch (error) {
    await sql.end();
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: db.url,
    sql,
    async stop() {
      await sql.end({ timeout: 5 });
      await db.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** An API user with limits no benchmark reaches; returns its id. */
export async function createBenchUser(sql: postgres.Sql, name: string): Promise<string> {
  const limit = 100_000_000;
  const [user] = await sql<{ id: string }[]>`
    insert into users (platform, platform_user_id, daily_limit, monthly_limit, concurrent_limit)
    values ('api', ${name}, ${limit}, ${limit}, ${limit})
    returning id`;
  if (!user) throw new Error('bench user not created');
  return user.id;
}

/** Empties the task tables between rounds so each round starts from the same state. */
export async function clearTasks(sql: postgres.Sql): Promise<void> {
  await sql`truncate task_events, video_tasks cascade`;
}
