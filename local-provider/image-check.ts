// Decides from the bytes alone whether an upload is a PNG, JPEG or WebP and how large it is, so
// a renamed file or a decompression bomb never reaches ffmpeg. The parsing is the core's
// (core/media/image-sniff.ts); this adds what the bundled ffmpeg itself cannot take.
import { sniffImage as sniffCore } from '../core/media/image-sniff.ts';

export type ImageType = 'png' | 'jpeg' | 'webp';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
  /** Animated WebP: the bundled ffmpeg cannot decode it. */
  animated?: boolean;
}

/** Most pixels we decode; far beyond any phone photo, far below what exhausts memory. */
export const MAX_IMAGE_PIXELS = 60_000_000;

const TYPES = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp' } as const;
const VP8X_ANIMATION_FLAG = 0x02;

/** The image's type and size read from its header, or null when it is none we take. */
export function sniffImage(bytes: Uint8Array): ImageInfo | null {
  const sniffed = sniffCore(bytes);
  if (!sniffed.ok) return null;
  const type = TYPES[sniffed.contentType];
  const info: ImageInfo = { type, width: sniffed.width, height: sniffed.height };
  if (type === 'webp' && isAnimatedWebp(bytes)) info.animated = true;
  return info;
}

/** Why this image is refused, or null when ffmpeg can take it. */
export function imageProblem(info: ImageInfo): string | null {
  // LIMITATION: the 2018 static ffmpeg from @ffmpeg-installer decodes no animated WebP.
  if (info.animated) return 'animated WebP is not supported';
  if (info.width * info.height > MAX_IMAGE_PIXELS) return 'the image has too many pixels';
  return null;
}

function isAnimatedWebp(bytes: Uint8Array): boolean {
  const chunk = String.fromCharCode(...bytes.subarray(12, 16));
  return chunk === 'VP8X' && ((bytes[20] ?? 0) & VP8X_ANIMATION_FLAG) !== 0;
}
