// Applies supabase/migrations in order and records them where the Supabase CLI does
// (supabase_migrations.schema_migrations), so `supabase db push` and this runner agree.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from 'postgres';

const rootDir = new URL('../../', import.meta.url).pathname;
export const migrationsDir = join(rootDir, 'supabase/migrations');
const rolesFile = join(rootDir, 'scripts/db/supabase-roles.sql');

/** Creates Supabase's roles (anon, authenticated, service_role) if they are missing. */
export async function ensureSupabaseRoles(sql: Sql): Promise<void> {
  await sql.unsafe(await readFile(rolesFile, 'utf8'));
}

/** Applies every migration not applied yet; returns the versions it applied. */
export async function applyMigrations(sql: Sql, dir = migrationsDir): Promise<string[]> {
  await sql.unsafe(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key, statements text[], name text
    );
  `);
  const rows = await sql<{ version: string }[]>`
    select version from supabase_migrations.schema_migrations
  `;
  const done = new Set(rows.map((r) => r.version));
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];

  for (const file of files) {
    const [version, ...rest] = file.replace(/\.sql$/, '').split('_');
    if (!version || done.has(version)) continue;
    const body = await readFile(join(dir, file), 'utf8');
    await sql.begin(async (tx) => {
      await tx.unsafe(body);
      await tx`
        insert into supabase_migrations.schema_migrations (version, statements, name)
        values (${version}, ${[body]}, ${rest.join('_')})
      `;
    });
    applied.push(version);
  }
  return applied;
}
