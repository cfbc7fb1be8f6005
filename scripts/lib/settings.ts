// Settings for local runs: defaults, then .dev.vars, then the process environment, which wins.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Parses KEY=VALUE lines (optionally quoted, # comments), as wrangler reads .dev.vars. */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    let value = match[2] ?? '';
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) {
      value = quoted[1] === '"' ? (JSON.parse(`"${quoted[2]}"`) as string) : (quoted[2] ?? '');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    values[match[1]] = value;
  }
  return values;
}

/** Merged settings for the local stack. */
export async function loadSettings(
  root: string,
  defaults: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, string>> {
  let devVars: Record<string, string> = {};
  try {
    devVars = parseDotenv(await readFile(join(root, '.dev.vars'), 'utf8'));
  } catch {
    // no .dev.vars: fine
  }
  const fromEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { ...defaults, ...devVars, ...fromEnv };
}
