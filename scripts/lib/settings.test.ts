import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, parseDotenv } from './settings.ts';

describe('local settings', () => {
  it('parses .dev.vars lines as wrangler does', () => {
    const text = [
      '# comment',
      'PLAIN=value # trailing comment',
      'export EXPORTED=1',
      'DOUBLE="a \\"quoted\\" value"',
      "SINGLE='kept # as is'",
      'URL=postgresql://u:p@h:5432/db',
      'not a setting',
    ].join('\n');
    expect(parseDotenv(text)).toEqual({
      PLAIN: 'value',
      EXPORTED: '1',
      DOUBLE: 'a "quoted" value',
      SINGLE: 'kept # as is',
      URL: 'postgresql://u:p@h:5432/db',
    });
  });

  it('lets the environment win over .dev.vars, and .dev.vars over defaults', async () => {
    const root = await mkdtemp(join(tmpdir(), 'reelbot-settings-'));
    try {
      await writeFile(join(root, '.dev.vars'), 'A=from-file\nB=from-file\n');
      const settings = await loadSettings(
        root,
        { A: 'default', B: 'default', C: 'default' },
        {
          B: 'from-env',
        },
      );
      expect(settings).toMatchObject({ A: 'from-file', B: 'from-env', C: 'default' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
