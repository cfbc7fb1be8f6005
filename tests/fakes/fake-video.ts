// A small real MP4 (2 s of ffmpeg's test pattern), rendered once per process for the fakes.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

const run = promisify(execFile);
let cached: Promise<Buffer> | undefined;

async function renderTestPattern(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'reelbot-fake-video-'));
  const file = join(dir, 'video.mp4');
  try {
    await run(ffmpegInstaller.path, [
      ...['-hide_banner', '-nostdin', '-v', 'error'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=24', '-t', '2'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
      ...['-movflags', '+faststart', '-y', file],
    ]);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bytes of a 2-second 320x240 H.264 MP4, rendered on first use. */
export function fakeVideo(): Promise<Buffer> {
  cached ??= renderTestPattern().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
