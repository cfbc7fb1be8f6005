// Decides from the bytes alone whether an upload is a PNG, JPEG or WebP and how large it is,
// so a renamed file or a decompression bomb never reaches ffmpeg.

export type ImageType = 'png' | 'jpeg' | 'webp';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
  /** Animated WebP: the bundled ffmpeg cannot decode it. */
  animated?: boolean;
}

/** Largest side we decode; far beyond any phone photo, far below what exhausts memory. */
export const MAX_IMAGE_SIDE = 12_000;
export const MAX_IMAGE_PIXELS = 60_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function pngInfo(bytes: Uint8Array): ImageInfo | null {
  if (bytes.length < 24 || !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return null;
  if (ascii(bytes, 12, 4) !== 'IHDR') return null;
  const data = view(bytes);
  return { type: 'png', width: data.getUint32(16), height: data.getUint32(20) };
}

// Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
}

function jpegInfo(bytes: Uint8Array): ImageInfo | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    return null;
  }
  const data = view(bytes);
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (isStartOfFrame(marker)) {
      return {
        type: 'jpeg',
        height: data.getUint16(offset + 5),
        width: data.getUint16(offset + 7),
      };
    }
    offset += 2 + data.getUint16(offset + 2);
  }
  return null;
}

function webpInfo(bytes: Uint8Array): ImageInfo | null {
  if (bytes.length < 30 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WEBP') {
    return null;
  }
  const data = view(bytes);
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') {
    return {
      type: 'webp',
      width: data.getUint16(26, true) & 0x3fff,
      height: data.getUint16(28, true) & 0x3fff,
    };
  }
  if (chunk === 'VP8L') {
    const bits = data.getUint32(21, true);
    return { type: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    const width = 1 + (data.getUint16(24, true) | ((bytes[26] ?? 0) << 16));
    const height = 1 + (data.getUint16(27, true) | ((bytes[29] ?? 0) << 16));
    const animated = ((bytes[20] ?? 0) & 0x02) !== 0;
    return { type: 'webp', width, height, animated };
  }
  return null;
}

/** The image's type and size read from its header, or null when it is none we take. */
export function sniffImage(bytes: Uint8Array): ImageInfo | null {
  return pngInfo(bytes) ?? jpegInfo(bytes) ?? webpInfo(bytes);
}

/** Why this image is refused, or null when ffmpeg can take it. */
export function imageProblem(info: ImageInfo): string | null {
  // LIMITATION: the 2018 static ffmpeg from @ffmpeg-installer decodes no animated WebP.
  if (info.animated) return 'animated WebP is not supported';
  if (info.width < 1 || info.height < 1) return 'the image has no pixels';
  if (info.width > MAX_IMAGE_SIDE || info.height > MAX_IMAGE_SIDE) {
    return `the image is larger than ${MAX_IMAGE_SIDE} pixels on a side`;
  }
  if (info.width * info.height > MAX_IMAGE_PIXELS) return 'the image has too many pixels';
  return null;
}
