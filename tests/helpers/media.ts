// Real media for tests: images made by ffmpeg and videos read back by ffprobe, both from the
// binaries shipped inside their npm packages.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';

const run = promisify(execFile);

export const ffmpegPath: string = ffmpegInstaller.path;
export const ffprobePath: string = ffprobeInstaller.path;

export type ImageFormat = 'png' | 'jpeg' | 'webp';

const encoders: Record<ImageFormat, string[]> = {
  png: ['-c:v', 'png'],
  jpeg: ['-c:v', 'mjpeg', '-q:v', '4'],
  webp: ['-c:v', 'libwebp'],
};

/** A real image of the given format and size (a colourful test pattern). */
export function makeImage(format: ImageFormat, width = 640, height = 480): Promise<Uint8Array> {
  return renderStill(format, `testsrc2=size=${width}x${height}:rate=1`);
}

/** A real image of one flat colour (ffmpeg colour syntax, e.g. `red` or `0x2040ff`). */
export function makeSolidImage(
  format: ImageFormat,
  color: string,
  width = 320,
  height = 240,
): Promise<Uint8Array> {
  return renderStill(format, `color=c=${color}:s=${width}x${height}:r=1`);
}

// One frame of an ffmpeg lavfi source, encoded as `format`.
async function renderStill(format: ImageFormat, source: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'reelbot-img-'));
  const file = join(dir, `image.${format === 'jpeg' ? 'jpg' : format}`);
  try {
    await run(ffmpegPath, [
      ...['-v', 'error', '-f', 'lavfi', '-i', source],
      ...['-frames:v', '1', ...encoders[format], '-y', file],
    ]);
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface VideoProbe {
  codec: string;
  width: number;
  height: number;
  durationSeconds: number;
  formatName: string;
}

/** Reads a video with ffprobe; throws when ffprobe cannot read it. */
export async function probeVideo(bytes: Uint8Array): Promise<VideoProbe> {
  const dir = await mkdtemp(join(tmpdir(), 'reelbot-probe-'));
  const file = join(dir, 'video.mp4');
  try {
    await writeFile(file, bytes);
    const { stdout } = await run(ffprobePath, [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_streams',
      '-show_format',
      file,
    ]);
    const parsed = JSON.parse(stdout) as {
      streams: { codec_type: string; codec_name: string; width: number; height: number }[];
      format: { duration: string; format_name: string };
    };
    const video = parsed.streams.find((s) => s.codec_type === 'video');
    if (!video) throw new Error('ffprobe found no video stream');
    return {
      codec: video.codec_name,
      width: video.width,
      height: video.height,
      durationSeconds: Number(parsed.format.duration),
      formatName: parsed.format.format_name,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The average colour [r, g, b] (0..255) of the frame shown at `seconds` into the video. */
export async function frameColor(
  video: Uint8Array,
  seconds: number,
): Promise<[number, number, number]> {
  const dir = await mkdtemp(join(tmpdir(), 'reelbot-frame-'));
  const file = join(dir, 'video.mp4');
  try {
    await writeFile(file, video);
    const { stdout } = await run(
      ffmpegPath,
      [
        ...['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1'],
        ...['-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
      ],
      { encoding: 'buffer' },
    );
    if (stdout.length < 3) throw new Error(`no frame at ${seconds}s`);
    return [stdout[0] ?? 0, stdout[1] ?? 0, stdout[2] ?? 0];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
