// Builds a Worker entry the way `wrangler deploy` does (same bundler, same nodejs_compat
// handling, settings from wrangler.toml) and hands Miniflare the result. `wrangler dev` is not
// used: its proxy layer answers 503 under load (VERSIONS.md).
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const rootDir = new URL('../../', import.meta.url).pathname;

export interface BuiltWorker {
  modulesRoot: string;
  modules: { type: 'ESModule'; path: string; contents: string }[];
  compatibilityDate: string;
  compatibilityFlags: string[];
}

/** Bundles `entry` (relative to the repository root) into `outDir` with wrangler. */
export async function buildWorker(entry: string, outDir: string): Promise<BuiltWorker> {
  const wrangler = join(rootDir, 'node_modules/.bin/wrangler');
  await run(wrangler, ['deploy', entry, '--dry-run', '--outdir', outDir], {
    cwd: rootDir,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
  });
  return loadBuiltWorker(outDir);
}

/** The modules of a bundle built earlier by buildWorker (e.g. in another process). */
export async function loadBuiltWorker(outDir: string): Promise<BuiltWorker> {
  const files = (await readdir(outDir)).filter((file) => file.endsWith('.js'));
  if (files.length !== 1 || !files[0]) {
    throw new Error(`expected one bundled module in ${outDir}, found: ${files.join(', ')}`);
  }
  const path = join(outDir, files[0]);
  // Listed explicitly: Miniflare cannot follow the bundle's dynamic import() calls by itself.
  const modules = [{ type: 'ESModule' as const, path, contents: await readFile(path, 'utf8') }];
  return { modulesRoot: outDir, modules, ...(await compatibility()) };
}

async function compatibility() {
  const toml = await readFile(join(rootDir, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? '';
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return {
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? ''),
  };
}
