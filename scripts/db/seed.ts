// Seeds the local database: supabase/seed.sql (the same file `supabase db reset` runs), then
// the demo API key, whose value may come from DEMO_API_KEY.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from 'postgres';
import { createPostgresRpc } from '../../core/store/postgres-rpc.ts';
import { TaskStore } from '../../core/store/task-store.ts';
import { sha256Hex } from '../../core/crypto.ts';

const seedFile = join(new URL('../../', import.meta.url).pathname, 'supabase/seed.sql');

/** Idempotent: a second run changes nothing. */
export async function seedDatabase(sql: Sql, demoApiKey: string): Promise<void> {
  await sql.unsafe(await readFile(seedFile, 'utf8'));
  const store = new TaskStore(createPostgresRpc('', { sql }));
  const user = await store.ensureUser('api', 'demo', 'Demo API user');
  await store.createApiKey(user.id, 'demo', await sha256Hex(demoApiKey), demoApiKey.slice(0, 7));
}
