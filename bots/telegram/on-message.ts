/**
 * Messages that are not commands: an image with a caption starts a task, an image alone waits
 * for its prompt, an album becomes one task from its first and last photos, a text alone makes
 * a text-to-video task (or gives the waiting image its prompt), anything else gets a short
 * explanation of what the bot accepts.
 */
import { albumRequest, claimAlbum } from './albums.ts';
import type { BotContext } from './bot-context.ts';
import { readIntake, type ImageRef } from './intake.ts';
import { chosenProvider, imageLimit, startTask } from './start-task.ts';
import { pendingFor, type PendingImage } from './user-settings.ts';
import type { TelegramMessage } from './update-schema.ts';

const MB = 1024 * 1024;

/** Handles one message addressed to the bot. */
export async function onMessage(ctx: BotContext, message: TelegramMessage): Promise<void> {
  const { deps } = ctx;
  const maxImageBytes = imageLimit(deps, chosenProvider(ctx));
  const intake = readIntake(message, ctx.identity, maxImageBytes);
  const reply = (text: string) =>
    ctx.reply(text, {
      reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
    });

  switch (intake.kind) {
    case 'ignore':
      return;
    case 'unsupported':
      await reply(ctx.t('tg.unsupported', { limit: Math.floor(maxImageBytes / MB) }));
      return;
    case 'too_large':
      await reply(
        ctx.t('tg.file_too_large', {
          size: (intake.bytes / MB).toFixed(1),
          limit: Math.floor(maxImageBytes / MB),
        }),
      );
      return;
    case 'album':
      await onAlbum(ctx, message.chat.id, intake.mediaGroupId);
      return;
    case 'image': {
      if (!intake.prompt) {
        await remember(ctx, { chatId: message.chat.id, fileId: intake.image.fileId });
        await reply(ctx.t('tg.need_prompt'));
        return;
      }
      // A reply to one photo of an album means the album: its first and last photos.
      const album = intake.album
        ? albumRequest(
            await deps.store.albumItems({ chatId: message.chat.id, mediaGroupId: intake.album }),
          )
        : null;
      await startTask(ctx, {
        prompt: intake.prompt,
        image: album ? { fileId: album.first.fileId } : intake.image,
        ...(album?.last ? { lastFrame: { fileId: album.last.fileId } } : {}),
        replyToMessageId: message.message_id,
      });
      return;
    }
    case 'text': {
      const pending = pendingFor(ctx.settings, message.chat.id, (deps.now ?? Date.now)());
      if (pending) await remember(ctx, null);
      await startTask(ctx, {
        prompt: intake.prompt,
        replyToMessageId: message.message_id,
        ...(pending && 'fileId' in pending
          ? {
              image: { fileId: pending.fileId },
              ...(pending.lastFileId ? { lastFrame: { fileId: pending.lastFileId } } : {}),
            }
          : {}),
        ...(pending && 'taskId' in pending ? { image: { taskId: pending.taskId } } : {}),
      });
      return;
    }
  }
}

/** Handles a whole album, from whichever of its photos' handlers claims it. */
async function onAlbum(ctx: BotContext, chatId: number, mediaGroupId: string): Promise<void> {
  const { deps } = ctx;
  const items = await claimAlbum(
    deps.store,
    { chatId, mediaGroupId },
    deps.config.TELEGRAM_ALBUM_WAIT_MS,
  );
  const album = items ? albumRequest(items) : null;
  if (!album) return;
  const first: ImageRef = { fileId: album.first.fileId };
  const lastFrame: ImageRef | undefined = album.last ? { fileId: album.last.fileId } : undefined;

  if (!album.prompt) {
    await remember(ctx, {
      chatId,
      fileId: first.fileId,
      ...(lastFrame ? { lastFileId: lastFrame.fileId } : {}),
    });
    await ctx.reply(ctx.t(lastFrame ? 'tg.need_prompt_album' : 'tg.need_prompt'), {
      reply_parameters: { message_id: album.first.messageId, allow_sending_without_reply: true },
    });
    return;
  }
  await startTask(ctx, {
    prompt: album.prompt,
    image: first,
    ...(lastFrame ? { lastFrame } : {}),
    replyToMessageId: album.replyTo.messageId,
  });
}

// A pending image as stored, before its timestamp is added.
type Pending = PendingImage extends infer P ? (P extends unknown ? Omit<P, 'at'> : never) : never;

/** Stores (or, with null, forgets) the image waiting for a prompt in this chat. */
export async function remember(ctx: BotContext, pending: Pending | null): Promise<void> {
  const value = pending ? { ...pending, at: (ctx.deps.now ?? Date.now)() } : null;
  await ctx.deps.store.updateUserSettings(ctx.user.id, { pending: value });
}
