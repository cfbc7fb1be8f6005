/**
 * What a chat message asks for: an image with a prompt, a prompt alone, or something the bot
 * cannot use. Pure functions over the validated update, so every input case is unit-tested.
 */
import type { RepliedMessage, TelegramMessage } from './update-schema.ts';

/** Telegram lets bots download files up to 20 MB. */
export const TELEGRAM_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024;

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export interface ImageRef {
  fileId: string;
  fileSize?: number;
}

export type Intake =
  /**
   * An image; an empty prompt means the user still has to send one. `album` is set when the
   * image is a text reply's photo that belongs to an album (its first and last photos apply).
   */
  | { kind: 'image'; image: ImageRef; prompt: string; album?: string }
  /** One photo of an album: the album is handled as a whole once all its photos arrived. */
  | { kind: 'album'; mediaGroupId: string }
  | { kind: 'text'; prompt: string }
  | { kind: 'too_large'; bytes: number }
  | { kind: 'unsupported' }
  /** Nothing to answer (a caption-less album item, a message for someone else). */
  | { kind: 'ignore' };

export interface BotIdentity {
  id: number;
  username: string;
}

/** Reads a message that reached the bot (commands are handled before this). */
export function readIntake(
  message: TelegramMessage,
  bot: BotIdentity,
  maxImageBytes: number,
): Intake {
  const prompt = promptOf(message, bot);
  const album = message.media_group_id;
  const own = imageOf(message, maxImageBytes);
  if (own?.kind === 'image') {
    return album ? { kind: 'album', mediaGroupId: album } : { ...own, prompt };
  }
  // An album's other items (videos, files) are passed over quietly; the one with the caption
  // is answered, so the sender hears once why nothing started.
  if (own) return album && !prompt ? { kind: 'ignore' } : own;

  if (message.text !== undefined) {
    const repliedTo = message.reply_to_message;
    const replied = repliedTo ? imageOf(repliedTo, maxImageBytes) : null;
    if (replied?.kind === 'image' && prompt) {
      const repliedAlbum = repliedTo?.media_group_id;
      return { ...replied, prompt, ...(repliedAlbum ? { album: repliedAlbum } : {}) };
    }
    if (replied && replied.kind !== 'image') return replied;
    return prompt ? { kind: 'text', prompt } : { kind: 'ignore' };
  }
  return album && !prompt ? { kind: 'ignore' } : { kind: 'unsupported' };
}

type ImageFound =
  | { kind: 'image'; image: ImageRef; prompt: '' }
  | Extract<Intake, { kind: 'too_large' | 'unsupported' }>;

/** The image a message carries (the largest photo size that fits), or why it is unusable. */
export function imageOf(message: RepliedMessage, maxImageBytes: number): ImageFound | null {
  if (message.photo && message.photo.length > 0) {
    // Sizes come smallest first; take the largest that fits the limit.
    const fitting = message.photo.filter((size) => (size.file_size ?? 0) <= maxImageBytes);
    const best = fitting.at(-1);
    if (!best) return { kind: 'too_large', bytes: message.photo[0]?.file_size ?? 0 };
    return {
      kind: 'image',
      image: { fileId: best.file_id, ...(best.file_size ? { fileSize: best.file_size } : {}) },
      prompt: '',
    };
  }
  const document = message.document;
  if (!document) return null;
  if (!IMAGE_TYPES.includes(document.mime_type ?? '')) return { kind: 'unsupported' };
  const size = document.file_size ?? 0;
  if (size > Math.min(maxImageBytes, TELEGRAM_DOWNLOAD_LIMIT_BYTES)) {
    return { kind: 'too_large', bytes: size };
  }
  return {
    kind: 'image',
    image: { fileId: document.file_id, ...(size ? { fileSize: size } : {}) },
    prompt: '',
  };
}

/** The message's text or caption without mentions of the bot. */
export function promptOf(message: RepliedMessage, bot: BotIdentity): string {
  const text = message.text ?? message.caption ?? '';
  const mention = new RegExp(`@${escapeRegExp(bot.username)}\\b`, 'gi');
  return text.replace(mention, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * In groups the bot answers only what is meant for it: a command, a mention, or a reply to one
 * of its messages. Everything in a private chat is meant for it.
 */
export function isAddressedToBot(message: TelegramMessage, bot: BotIdentity): boolean {
  if (message.chat.type === 'private') return true;
  if (message.reply_to_message?.from?.id === bot.id) return true;
  const text = message.text ?? message.caption ?? '';
  const entities = message.entities ?? message.caption_entities ?? [];
  const handle = `@${bot.username}`.toLowerCase();
  return entities.some((entity) => {
    const part = text.slice(entity.offset, entity.offset + entity.length).toLowerCase();
    if (entity.type === 'mention') return part === handle;
    if (entity.type === 'bot_command' && entity.offset === 0) {
      return !part.includes('@') || part.endsWith(handle);
    }
    return false;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
