// Turns a free-form prompt into ffmpeg drawtext filters: wrapped into a few centred lines and
// escaped for both levels of ffmpeg's filter syntax, so no prompt can break out of its option.

export interface TitleLayout {
  width: number;
  height: number;
  fontPath: string;
  durationSeconds: number;
}

// LIMITATION: DejaVu Sans has no CJK ideographs or colour emoji, so those draw as empty boxes;
// a CJK font would mean a new npm dependency of ~10 MB or more.
const MAX_LINES = 5;
const ELLIPSIS = '…';
// DejaVu Sans averages a little under 0.6 em per Latin glyph; the margin absorbs wide capitals.
const EM_PER_COLUMN = 0.62;
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60]/u;
const WIDE_ASTRAL = /[\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;
// Control characters draw as boxes (or split lines) in drawtext; newlines are handled before.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Escapes a value for a filter option inside a filtergraph (option level, then graph level). */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, '\\$&');
  return optionLevel.replace(/[\\'[\],;]/g, '\\$&');
}

function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

function columnsOf(grapheme: string): number {
  return WIDE.test(grapheme) || WIDE_ASTRAL.test(grapheme) ? 2 : 1;
}

function textColumns(text: string): number {
  return graphemes(text).reduce((sum, g) => sum + columnsOf(g), 0);
}

/** Splits one word that is wider than a line (long URLs, CJK runs) into line-sized pieces. */
function breakWord(word: string, maxColumns: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const g of graphemes(word)) {
    const width = columnsOf(g);
    if (used + width > maxColumns && piece !== '') {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += g;
    used += width;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

function wrapParagraph(paragraph: string, maxColumns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (textColumns(candidate) <= maxColumns) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    const pieces = breakWord(word, maxColumns);
    line = pieces.pop() ?? '';
    lines.push(...pieces);
  }
  if (line !== '') lines.push(line);
  return lines;
}

function withEllipsis(line: string, maxColumns: number): string {
  const kept = graphemes(line);
  while (kept.length > 0 && textColumns(kept.join('')) + 1 > maxColumns) kept.pop();
  return `${kept.join('').trimEnd()}${ELLIPSIS}`;
}

/** Wraps a prompt into at most `maxLines` lines of `maxColumns`, ending in "…" when cut. */
export function wrapPrompt(prompt: string, maxColumns: number, maxLines = MAX_LINES): string[] {
  const paragraphs = prompt.split(/\r\n|\r|\n/).map((p) => p.replace(CONTROL, ' '));
  const lines = paragraphs.flatMap((p) => wrapParagraph(p, maxColumns));
  if (lines.length <= maxLines) return lines;

  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = withEllipsis(kept[maxLines - 1] ?? '', maxColumns);
  return kept;
}

/** The drawtext filters (comma-joined) that fade and slide the prompt in, line by line. */
export function titleFilters(prompt: string, layout: TitleLayout): string {
  const fontSize = Math.round(Math.min(layout.width, layout.height) * 0.075);
  const maxColumns = Math.floor((layout.width * 0.86) / (fontSize * EM_PER_COLUMN));
  const lines = wrapPrompt(prompt, maxColumns);
  const lineHeight = Math.round(fontSize * 1.35);
  const top = Math.round((layout.height - lines.length * lineHeight) / 2);

  // Short videos still end with every line fully visible.
  const fade = Math.min(0.6, layout.durationSeconds * 0.3);
  const stagger = Math.min(0.15, layout.durationSeconds * 0.05);

  return lines
    .map((line, index) => {
      const shown = `clip((t-${(index * stagger).toFixed(3)})/${fade.toFixed(3)},0,1)`;
      const options = [
        `fontfile=${escapeFilterValue(layout.fontPath)}`,
        `text=${escapeFilterValue(line)}`,
        // Literal text: '%' in a prompt must not start a drawtext expansion.
        'expansion=none',
        `fontsize=${fontSize}`,
        'fontcolor=white',
        'shadowcolor=black@0.45',
        'shadowx=2',
        'shadowy=2',
        `x=${escapeFilterValue('(w-text_w)/2')}`,
        `y=${escapeFilterValue(`${top + index * lineHeight}+${fontSize}*(1-${shown})`)}`,
        `alpha=${escapeFilterValue(shown)}`,
      ];
      return `drawtext=${options.join(':')}`;
    })
    .join(',');
}
