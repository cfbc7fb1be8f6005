// Real images and video checks for tests inside workerd, through the probe service.
import { env } from 'cloudflare:workers';
import type { VideoProbe } from '../helpers/media.ts';

/** A real image made by ffmpeg on the Node side. */
export async function image(format: 'png' | 'jpeg' | 'webp', width = 640, height = 480) {
  const response = await fetch(
    `${env.PROBE_URL}/image?format=${format}&width=${width}&height=${height}`,
  );
  if (!response.ok) throw new Error(`image service answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** ffprobe's reading of a video. */
export async function probe(video: Uint8Array): Promise<VideoProbe> {
  const response = await fetch(`${env.PROBE_URL}/probe`, { method: 'POST', body: video });
  if (!response.ok) throw new Error(`ffprobe could not read the video: ${await response.text()}`);
  return (await response.json()) as VideoProbe;
}

/** A real image of one flat colour (ffmpeg colour syntax, e.g. `red`). */
export async function solidImage(format: 'png' | 'jpeg' | 'webp', color: string) {
  const response = await fetch(
    `${env.PROBE_URL}/image?format=${format}&width=320&height=240&color=${color}`,
  );
  if (!response.ok) throw new Error(`image service answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The average [r, g, b] of the frame shown `seconds` into the video. */
export async function frameColor(
  video: Uint8Array,
  seconds: number,
): Promise<[number, number, number]> {
  const response = await fetch(`${env.PROBE_URL}/frame-color?at=${seconds}`, {
    method: 'POST',
    body: video,
  });
  if (!response.ok) throw new Error(`no frame at ${seconds}s: ${await response.text()}`);
  return (await response.json()) as [number, number, number];
}
