/**
 * Turns a task's image into the one form a provider takes (URL, data URI or raw base64), within
 * its type and size limits. A provider handed the wrong form is a bug in the task service.
 */
import { toBase64 } from '../crypto.ts';
import { dataUri } from './http.ts';
import { failure, type ProviderCapabilities, type ProviderFailure } from './provider.ts';
import type { ProviderImage } from './provider.ts';

export type ImageReference = { ok: true; value: string } | ProviderFailure;

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** The image as the provider wants it, or a final failure naming the limit it broke. */
export function imageReference(
  image: ProviderImage,
  capabilities: ProviderCapabilities,
  provider: string,
): ImageReference {
  if (!capabilities.imageTypes.includes(image.contentType)) {
    const types = capabilities.imageTypes.map((t) => t.replace('image/', '').toUpperCase());
    return failure('unsupported_image', `${provider} takes ${types.join(', ')} images.`, false);
  }
  if (capabilities.imageInput === 'url') {
    if (!image.url) throw new TypeError(`${provider} needs an image URL, not bytes`);
    return { ok: true, value: image.url };
  }
  if (!image.bytes) throw new TypeError(`${provider} needs the image bytes, not a URL`);
  // LIMITATION: a too-large image is refused with the limit named, never resized (no image
  // codec in the Worker); creation already refuses most of these up front.
  if (image.bytes.byteLength > capabilities.maxImageBytes) {
    return failure(
      'unsupported_image',
      `The image is larger than ${provider} accepts (${megabytes(capabilities.maxImageBytes)}).`,
      false,
    );
  }
  const bytes = image.bytes;
  return {
    ok: true,
    value: capabilities.imageInput === 'data_uri' ? dataUri({ ...image, bytes }) : toBase64(bytes),
  };
}
