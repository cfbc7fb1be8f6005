// Builds and runs the ffmpeg command that turns a still image (pan and zoom), two stills (pan
// and zoom over the first, dissolving into the last) or a prompt alone (animated title card)
// into an H.264 MP4, reporting progress from `-progress pipe:1`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AspectRatio } from '../core/providers/provider.ts';
import { escapeFilterValue as esc, titleFilters } from './drawtext.ts';

export const FPS = 24;

/** Output frame size per ratio; even dimensions, as yuv420p requires. */
export const FRAME_SIZES: Record<AspectRatio, { width: number; height: number }> = {
  '16:9': { width: 854, height: 480 },
  '9:16': { width: 480, height: 854 },
  '1:1': { width: 640, height: 640 },
};

export interface RenderSpec {
  prompt: string;
  /** A still to animate; without it the prompt becomes a title card. */
  imagePath?: string;
  /** A second still the video ends on (only with `imagePath`). */
  lastFramePath?: string;
  durationSeconds: number;
  ratio: AspectRatio;
  fontPath: string;
  outputPath: string;
}

export interface RunOptions {
  ffmpegPath: string;
  /** Whole frames rendered so far, as a percentage 0..100. */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
  /** ffmpeg is killed past this; a stuck render must not hold a slot forever. */
  timeoutMs?: number;
}

/** ffmpeg did not produce the video (bad input, killed, timed out). */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  readonly code = 'render_failed';
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const STDERR_TAIL_BYTES = 4096;
// The zoompan upscale factor: zoompan rounds its crop to whole pixels, so panning over a larger
// copy keeps the motion smooth instead of jittering a pixel at a time.
const OVERSAMPLE = 2;
const ZOOM_GAIN = 0.18;

/** The DejaVu Sans TTF shipped in the `dejavu-fonts-ttf` npm package. */
export function resolveDefaultFontPath(): string {
  const packageJson = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json');
  return join(dirname(packageJson), 'ttf', 'DejaVuSans.ttf');
}

/** Frames in a video of the given length at our fixed rate. */
export function frameCount(durationSeconds: number): number {
  return durationSeconds * FPS;
}

// LIMITATION: this ffmpeg (2018) ignores EXIF orientation, so a phone JPEG that relies on it
// comes out rotated unless the image was normalised before it was submitted.
function imageToVideoGraph(spec: RenderSpec, frames: number): string {
  const { width, height } = FRAME_SIZES[spec.ratio];
  const bigW = width * OVERSAMPLE;
  const bigH = height * OVERSAMPLE;
  const last = Math.max(frames - 1, 1);
  // Zoom in steadily while drifting left to right across the slack the zoom leaves.
  const zoom = `1+${ZOOM_GAIN}*on/${last}`;
  const x = `(iw-iw/zoom)*(0.2+0.6*on/${last})`;
  const y = `(ih-ih/zoom)*(0.5-0.15*on/${last})`;
  const first = [
    `[0:v]scale=${bigW}:${bigH}:force_original_aspect_ratio=increase`,
    `crop=${bigW}:${bigH}`,
    `zoompan=z=${esc(zoom)}:x=${esc(x)}:y=${esc(y)}:d=${frames}:s=${width}x${height}:fps=${FPS}`,
    'setsar=1',
  ];
  if (!spec.lastFramePath) return [...first, 'format=yuv420p[v]'].join(',');

  // The last frame fades in over the middle of the video and holds for the final fifth, so the
  // video ends exactly on it. (This ffmpeg predates xfade; a fading alpha overlay does the same.)
  const fadeStart = (spec.durationSeconds * 0.4).toFixed(3);
  const fadeLength = (spec.durationSeconds * 0.4).toFixed(3);
  const ending = [
    `[1:v]scale=${width}:${height}:force_original_aspect_ratio=increase`,
    `crop=${width}:${height}`,
    `zoompan=z=1:d=${frames}:s=${width}x${height}:fps=${FPS}`,
    'setsar=1',
    'format=yuva420p',
    `fade=t=in:st=${fadeStart}:d=${fadeLength}:alpha=1[last]`,
  ];
  return [
    `${first.join(',')}[first]`,
    ending.join(','),
    '[first][last]overlay=shortest=1,format=yuv420p[v]',
  ].join(';');
}

function textToVideoGraph(spec: RenderSpec): string {
  const { width, height } = FRAME_SIZES[spec.ratio];
  // Three slow sine waves on a tiny canvas, scaled up: a drifting gradient that costs nothing.
  const red = esc('110+80*sin(2*PI*(X/W*0.8+T/5))');
  const green = esc('70+60*sin(2*PI*(Y/H*0.9+T/6)+2)');
  const blue = esc('150+90*sin(2*PI*((X+Y)/(W+H)+T/7)+4)');
  const title = titleFilters(spec.prompt, {
    width,
    height,
    fontPath: spec.fontPath,
    durationSeconds: spec.durationSeconds,
  });
  return (
    [
      '[0:v]format=gbrp',
      `geq=r=${red}:g=${green}:b=${blue}`,
      `scale=${width}:${height}:flags=bicubic`,
      'setsar=1',
      'format=yuv420p',
      ...(title === '' ? [] : [title]),
    ].join(',') + '[v]'
  );
}

function tinySize(width: number, height: number): string {
  return `${Math.round(width / 8)}x${Math.round(height / 8)}`;
}

/** The full ffmpeg argument list for one render (no shell involved, so no shell quoting). */
export function buildRenderArgs(spec: RenderSpec): string[] {
  const frames = frameCount(spec.durationSeconds);
  const { width, height } = FRAME_SIZES[spec.ratio];
  const input = spec.imagePath
    ? ['-i', spec.imagePath, ...(spec.lastFramePath ? ['-i', spec.lastFramePath] : [])]
    : ['-f', 'lavfi', '-i', `color=c=black:s=${tinySize(width, height)}:r=${FPS}`];
  const graph = spec.imagePath ? imageToVideoGraph(spec, frames) : textToVideoGraph(spec);
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-v', 'error', '-progress', 'pipe:1'],
    ...input,
    ...['-filter_complex', graph, '-map', '[v]', '-an'],
    ...['-frames:v', String(frames), '-r', String(FPS)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
    ...['-movflags', '+faststart', '-f', 'mp4', '-y', spec.outputPath],
  ];
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

/** Runs ffmpeg with `args`; resolves when it exits 0, else throws a RenderError. */
export function runFfmpeg(args: string[], totalFrames: number, options: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdoutRest = '';
    let killedFor: string | null = null;

    const kill = (reason: string): void => {
      killedFor = reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => kill('ffmpeg took too long'),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const onAbort = (): void => kill('render canceled');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (stdoutRest + chunk).split('\n');
      stdoutRest = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^frame=(\d+)/.exec(line);
        if (match?.[1] !== undefined && totalFrames > 0) {
          const percent = Math.floor((Number(match[1]) / totalFrames) * 100);
          options.onProgress?.(Math.min(99, percent));
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });

    const finish = (error: RenderError | null): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    child.on('error', (error) =>
      finish(new RenderError(`ffmpeg could not start: ${error.message}`, { cause: error })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return finish(null);
      const why = killedFor ?? `ffmpeg exited with ${code ?? signal}`;
      const detail = lastLine(stderr);
      finish(new RenderError(detail === '' ? why : `${why}: ${detail}`));
    });
  });
}

/** Renders `spec` into `spec.outputPath`, reporting progress 0..100. */
export async function render(spec: RenderSpec, options: RunOptions): Promise<void> {
  await runFfmpeg(buildRenderArgs(spec), frameCount(spec.durationSeconds), options);
  options.onProgress?.(100);
}
