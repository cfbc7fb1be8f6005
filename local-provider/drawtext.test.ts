import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../tests/helpers/media.ts';
import { escapeFilterValue, wrapPrompt } from './drawtext.ts';
import { resolveDefaultFontPath } from './render.ts';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelbot-drawtext-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One frame with `drawtextOptions` drawn on grey, as PNG bytes. */
async function drawFrame(name: string, drawtextOptions: string): Promise<Buffer> {
  const output = join(dir, `${name}.png`);
  const font = escapeFilterValue(resolveDefaultFontPath());
  const graph =
    `[0:v]drawtext=fontfile=${font}:fontsize=20:fontcolor=white:x=4:y=20` +
    `:expansion=none:${drawtextOptions}[v]`;
  await run(ffmpegPath, [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=gray:s=640x60'],
    ...['-filter_complex', graph, '-map', '[v]', '-frames:v', '1', '-y', output],
  ]);
  return readFile(output);
}

describe('escapeFilterValue', () => {
  // Reading the raw text from a file bypasses filter parsing entirely: identical pixels prove
  // the escaped `text=` reached drawtext exactly as written.
  it.each([
    `It's a "test": 100% done, [ok]; really`,
    `back\\slash \\' \\\\ \\, \\: end\\`,
    `%{pts} %{localtime} \${HOME} $(rm -rf /) = ; , : ' [in] [out]`,
    `'''' ::: ,,, ;;; [[[ ]]] \\\\\\`,
  ])('lets drawtext draw %j literally', async (text) => {
    await writeFile(join(dir, 'text.txt'), text);

    const escaped = await drawFrame('escaped', `text=${escapeFilterValue(text)}`);
    const fromFile = await drawFrame(
      'file',
      `textfile=${escapeFilterValue(join(dir, 'text.txt'))}`,
    );
    const blank = await drawFrame('blank', `text=${escapeFilterValue('x')}`);

    expect(escaped.equals(fromFile)).toBe(true);
    expect(escaped.equals(blank)).toBe(false);
  });
});

describe('wrapPrompt', () => {
  it('wraps words into lines no wider than the limit', () => {
    const lines = wrapPrompt('the quick brown fox jumps over the lazy dog', 12);

    expect(lines).toEqual(['the quick', 'brown fox', 'jumps over', 'the lazy dog']);
  });

  it('keeps line breaks from the prompt and drops control characters', () => {
    expect(wrapPrompt('first\nsecond\u0007line', 40)).toEqual(['first', 'second line']);
  });

  it('cuts long prompts to the line limit with an ellipsis', () => {
    const lines = wrapPrompt('word '.repeat(100), 12, 3);

    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/…$/);
    expect(lines.every((line) => [...line].length <= 12)).toBe(true);
  });

  it('breaks words longer than a line, counting wide characters twice', () => {
    expect(wrapPrompt('你好世界你好世界', 6)).toEqual(['你好世', '界你好', '世界']);
    expect(wrapPrompt('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});
