/**
 * Identifies an uploaded image by its bytes (never by the declared type) and reads its
 * dimensions, so a provider is only ever handed a complete PNG, JPEG or WebP of sane size.
 */

export type ImageContentType = 'image/jpeg' | 'image/png' | 'image/webp';

export type ImageSniffErrorCode = 'unsupported_type' | 'truncated' | 'empty' | 'bad_dimensions';

export type ImageSniffResult =
  | { ok: true; contentType: ImageContentType; width: number; height: number }
  | { ok: false; code: ImageSniffErrorCode; message: string };

/** Smallest and largest accepted side, in pixels. */
export const IMAGE_MIN_SIDE = 16;
export const IMAGE_MAX_SIDE = 8192;

type Sniffed = ImageSniffResult | null;

/** Detects PNG, JPEG or WebP from magic bytes and returns type and dimensions, or why not. */
export function sniffImage(bytes: Uint8Array): ImageSniffResult {
  if (bytes.length === 0) {
    return fail('empty', 'The image is empty (0 bytes).');
  }

  const sniffed = sniffPng(bytes) ?? sniffJpeg(bytes) ?? sniffWebp(bytes);
  if (sniffed === null) {
    return fail('unsupported_type', 'This file is not a PNG, JPEG or WebP image.');
  }
  if (!sniffed.ok) return sniffed;

  return checkDimensions(sniffed);
}

function checkDimensions(image: ImageSniffResult & { ok: true }): ImageSniffResult {
  const { width, height } = image;
  if (width < IMAGE_MIN_SIDE || height < IMAGE_MIN_SIDE) {
    return fail(
      'bad_dimensions',
      `The image is ${width}×${height} pixels; each side must be at least ${IMAGE_MIN_SIDE}.`,
    );
  }
  if (width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE) {
    return fail(
      'bad_dimensions',
      `The image is ${width}×${height} pixels; each side must be at most ${IMAGE_MAX_SIDE}.`,
    );
  }
  return image;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function sniffPng(bytes: Uint8Array): Sniffed {
  const signature = matchSignature(bytes, PNG_SIGNATURE);
  if (signature === 'none') return null;
  if (signature === 'partial') return truncated('PNG');
  // Signature (8) + IHDR length (4) + type (4) + width (4) + height (4).
  if (bytes.length < 24) return truncated('PNG');
  if (ascii(bytes, 12, 4) !== 'IHDR') {
    return fail('unsupported_type', 'The PNG is damaged: its header chunk is missing.');
  }
  if (!hasPngEnd(bytes)) return truncated('PNG');

  return ok('image/png', u32be(bytes, 16), u32be(bytes, 20));
}

/** Walks the chunk list (length + type + data + CRC) so trailing bytes after IEND are fine. */
function hasPngEnd(bytes: Uint8Array): boolean {
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = u32be(bytes, offset);
    const type = ascii(bytes, offset + 4, 4);
    const next = offset + 12 + length;
    if (next > bytes.length) return false;
    if (type === 'IEND') return true;
    offset = next;
  }
  return false;
}

function sniffJpeg(bytes: Uint8Array): Sniffed {
  const signature = matchSignature(bytes, [0xff, 0xd8, 0xff]);
  if (signature === 'none') return null;
  if (signature === 'partial' || bytes.length < 4) return truncated('JPEG');

  const walked = walkJpegHeaders(bytes);
  if (walked === 'truncated') return truncated('JPEG');
  if (walked === 'missing') {
    return fail('unsupported_type', 'The JPEG is damaged: it has no frame header.');
  }
  if (!hasJpegEnd(bytes, walked.scanStart)) return truncated('JPEG');
  return ok('image/jpeg', walked.width, walked.height);
}

type JpegHeaders = { width: number; height: number; scanStart: number } | 'truncated' | 'missing';

/** Walks the marker segments up to the first scan, reading the frame header on the way. */
function walkJpegHeaders(bytes: Uint8Array): JpegHeaders {
  let frame: { width: number; height: number } | null = null;
  let offset = 2;
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) return 'missing';
    // Any number of 0xFF fill bytes may precede a marker.
    while (offset < bytes.length && bytes[offset] === 0xff) offset += 1;
    if (offset >= bytes.length) return 'truncated';
    const marker = bytes[offset] ?? 0;
    offset += 1;

    if (isStandaloneMarker(marker)) continue;
    if (marker === 0xd9) return 'missing';
    if (offset + 2 > bytes.length) return 'truncated';
    const length = u16be(bytes, offset);
    if (length < 2) return 'missing';
    if (marker === 0xda) return frame === null ? 'missing' : { ...frame, scanStart: offset };
    if (isStartOfFrame(marker) && frame === null) {
      // Length (2) + precision (1) + height (2) + width (2).
      if (offset + 7 > bytes.length) return 'truncated';
      frame = { height: u16be(bytes, offset + 3), width: u16be(bytes, offset + 5) };
    }
    offset += length;
  }
  return 'truncated';
}

/**
 * Looks for EOI (FF D9) after the first scan. Inside entropy-coded data a 0xFF is always
 * followed by 0x00 or a marker, and EXIF thumbnails were skipped with their segment, so the
 * first EOI found is the image's own. Bytes after it (phones append motion-photo video
 * there) are allowed, as trailing bytes after a PNG's IEND are.
 */
function hasJpegEnd(bytes: Uint8Array, scanStart: number): boolean {
  let index = bytes.indexOf(0xff, scanStart);
  while (index !== -1 && index + 1 < bytes.length) {
    if (bytes[index + 1] === 0xd9) return true;
    index = bytes.indexOf(0xff, index + 1);
  }
  return false;
}

function isStandaloneMarker(marker: number): boolean {
  return marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7);
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

const RIFF_SIGNATURE = [0x52, 0x49, 0x46, 0x46];

function sniffWebp(bytes: Uint8Array): Sniffed {
  // RIFF also wraps WAV and AVI, so only the form type at offset 8 says WebP.
  if (matchSignature(bytes, RIFF_SIGNATURE) !== 'full') return null;
  if (bytes.length < 12) return truncated('WebP');
  if (ascii(bytes, 8, 4) !== 'WEBP') return null;
  if (u32le(bytes, 4) + 8 > bytes.length) return truncated('WebP');
  if (bytes.length < 30) return truncated('WebP');

  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') return sniffVp8(bytes);
  if (chunk === 'VP8L') return sniffVp8l(bytes);
  if (chunk === 'VP8X') {
    return ok('image/webp', 1 + u24le(bytes, 24), 1 + u24le(bytes, 27));
  }
  return fail('unsupported_type', 'The WebP image uses an unknown encoding.');
}

function sniffVp8(bytes: Uint8Array): Sniffed {
  // Frame tag (3 bytes) then the key-frame start code 9D 01 2A, then 14-bit sizes.
  if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) {
    return fail('unsupported_type', 'The WebP image is damaged: its VP8 frame is unreadable.');
  }
  return ok('image/webp', u16le(bytes, 26) & 0x3fff, u16le(bytes, 28) & 0x3fff);
}

function sniffVp8l(bytes: Uint8Array): Sniffed {
  if (bytes[20] !== 0x2f) {
    return fail('unsupported_type', 'The WebP image is damaged: its VP8L header is unreadable.');
  }
  const bits = u32le(bytes, 21);
  return ok('image/webp', 1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
}

function ok(contentType: ImageContentType, width: number, height: number): ImageSniffResult {
  return { ok: true, contentType, width, height };
}

function fail(code: ImageSniffErrorCode, message: string): ImageSniffResult {
  return { ok: false, code, message };
}

function truncated(format: string): ImageSniffResult {
  return fail(
    'truncated',
    `The ${format} image is incomplete; it may have been cut off in transfer.`,
  );
}

/** 'partial': the file ends inside the signature (at least two bytes of it), so it was cut. */
function matchSignature(bytes: Uint8Array, signature: number[]): 'full' | 'partial' | 'none' {
  const length = Math.min(bytes.length, signature.length);
  for (let i = 0; i < length; i += 1) {
    if (bytes[i] !== signature[i]) return 'none';
  }
  if (length === signature.length) return 'full';
  return length >= 2 ? 'partial' : 'none';
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function byteAt(bytes: Uint8Array, offset: number): number {
  return bytes[offset] ?? 0;
}

function u16be(bytes: Uint8Array, offset: number): number {
  return (byteAt(bytes, offset) << 8) | byteAt(bytes, offset + 1);
}

function u32be(bytes: Uint8Array, offset: number): number {
  return u16be(bytes, offset) * 0x10000 + u16be(bytes, offset + 2);
}

function u16le(bytes: Uint8Array, offset: number): number {
  return byteAt(bytes, offset) | (byteAt(bytes, offset + 1) << 8);
}

function u24le(bytes: Uint8Array, offset: number): number {
  return u16le(bytes, offset) | (byteAt(bytes, offset + 2) << 16);
}

function u32le(bytes: Uint8Array, offset: number): number {
  return u24le(bytes, offset) + byteAt(bytes, offset + 3) * 0x1000000;
}
