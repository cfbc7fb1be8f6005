/**
 * The image of a /video command. Its metadata (type, size) arrives inside the signed
 * interaction, so bad files are refused before deferring; the bytes are downloaded afterwards
 * and copied into R2, because Discord's CDN links expire.
 */
import { translate, type Locale } from '../../core/i18n/catalog.ts';
import { readCapped } from '../../core/media/read-capped.ts';
import type { DiscordAttachment } from './interaction.ts';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];
const MB = 1024 * 1024;

/** The refusal to show for an attachment that is not an image we take, or null when fine. */
export function attachmentRefusal(
  attachment: DiscordAttachment,
  maxBytes: number,
  locale: Locale,
): string | null {
  const type = (attachment.content_type ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!IMAGE_TYPES.includes(type)) {
    return translate(locale, 'dc.video.not_image', { type: type || attachment.filename });
  }
  if (attachment.size > maxBytes) {
    return translate(locale, 'dc.video.too_large', {
      size: (attachment.size / MB).toFixed(1),
      limit: (maxBytes / MB).toFixed(0),
    });
  }
  return null;
}

export interface DownloadOptions {
  maxBytes: number;
  /** DISCORD_API_BASE: its host is trusted as a CDN too (proxies, the local fake). */
  apiBase: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The attachment's bytes, or null when it is not on Discord's CDN, too big or unreachable. */
export async function downloadAttachment(
  url: string,
  options: DownloadOptions,
): Promise<Uint8Array | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const apiHost = new URL(options.apiBase).host;
  const onCdn = parsed.protocol === 'https:' && CDN_HOSTS.includes(parsed.hostname);
  if (!onCdn && parsed.host !== apiHost) return null;

  try {
    const response = await (options.fetch ?? fetch)(parsed, {
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return null;
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body.cancel();
      return null;
    }
    return await readCapped(response.body, options.maxBytes);
  } catch {
    return null;
  }
}
