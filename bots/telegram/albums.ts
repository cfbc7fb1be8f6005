/**
 * Albums. Telegram sends each photo of an album as its own update, in any order and possibly
 * at once, with one shared media_group_id and the caption on one photo only. Every photo is
 * recorded as it arrives; once none has arrived for TELEGRAM_ALBUM_WAIT_MS, one handler claims
 * the album and starts a single task: the first photo as the first frame and the last as the
 * last frame (where the provider takes one), with the caption as the prompt.
 */
import type { Middleware } from 'grammy';
import type { AlbumItem, AlbumRef, TaskStore } from '../../core/store/task-store.ts';
import type { BotContext } from './bot-context.ts';
import { imageOf, isAddressedToBot, promptOf } from './intake.ts';
import { imageLimit } from './start-task.ts';
import type { TelegramMessage } from './update-schema.ts';

// Bounds the wait for a claim: an album still growing after this many turns is abandoned.
const MAX_CLAIM_TURNS = 20;

/**
 * Records each album photo before the "is it for the bot" filter: in a group, only the
 * captioned photo mentions the bot, yet the album's other photos are its frames. Photos not
 * addressed to the bot, and photos that came after their album was handled, stop here.
 */
export const recordAlbumPhoto: Middleware<BotContext> = async (ctx, next) => {
  const message = ctx.message as unknown as TelegramMessage | undefined;
  const mediaGroupId = message?.media_group_id;
  if (!message || !mediaGroupId || !message.from || message.from.is_bot) return next();
  // The user is not loaded yet: the default provider's limit applies to album photos.
  const found = imageOf(message, imageLimit(ctx.deps));
  if (found?.kind !== 'image') return next();

  const addressed = isAddressedToBot(message, ctx.identity);
  const fresh = await ctx.deps.store.addAlbumItem(
    { chatId: message.chat.id, mediaGroupId },
    {
      messageId: message.message_id,
      fileId: found.image.fileId,
      prompt: promptOf(message, ctx.identity),
      addressed,
    },
  );
  if (!addressed || !fresh) return;
  return next();
};

/**
 * Waits until the album has been quiet, then claims it. Answers its photos in the order they
 * were sent, or null when another handler claimed it or none of it is meant for the bot.
 */
export async function claimAlbum(
  store: TaskStore,
  album: AlbumRef,
  quietMs: number,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<AlbumItem[] | null> {
  for (let turn = 0; turn < MAX_CLAIM_TURNS; turn += 1) {
    const claim = await store.claimAlbum(album, quietMs);
    if (claim.state === 'taken') return null;
    if (claim.state === 'claimed') {
      return claim.items.some((item) => item.addressed) ? claim.items : null;
    }
    await sleep(Math.max(claim.wait_ms, 10));
  }
  return null;
}

/** The frames and prompt an album asks for. */
export interface AlbumRequest {
  first: AlbumItem;
  /** The last photo, when the album has more than one. */
  last?: AlbumItem;
  /** The first caption found; empty when the album had none. */
  prompt: string;
  /** The message the status and the video answer: the captioned photo, else the first. */
  replyTo: AlbumItem;
}

/** Reads an album's photos (in the order they were sent) as a request; null when empty. */
export function albumRequest(items: readonly AlbumItem[]): AlbumRequest | null {
  const first = items[0];
  if (!first) return null;
  const last = items.length > 1 ? items.at(-1) : undefined;
  const captioned = items.find((item) => item.prompt !== '');
  return {
    first,
    ...(last ? { last } : {}),
    prompt: captioned?.prompt ?? '',
    replyTo: captioned ?? first,
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
