/**
 * Messages that are not commands: an image with a caption starts a task, an image alone waits
 * for its prompt, a text alone makes a text-to-video task (or gives the waiting image its
 * prompt), anything else gets a short explanation of what the bot accepts.
 */
import type { BotContext } from './bot-context.ts';
import { readIntake, TELEGRAM_DOWNLOAD_LIMIT_BYTES } from './intake.ts';
import { startTask } from './start-task.ts';
import { pendingFor } from './user-settings.ts';
import type { TelegramMessage } from './update-schema.ts';

const MB = 1024 * 1024;

/** Handles one message addressed to the bot. */
export async function onMessage(ctx: BotContext, message: TelegramMessage): Promise<void> {
  const { deps } = ctx;
  const maxImageBytes = Math.min(deps.config.MAX_IMAGE_BYTES, TELEGRAM_DOWNLOAD_LIMIT_BYTES);
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
    case 'image':
      if (!intake.prompt) {
        await remember(ctx, { chatId: message.chat.id, fileId: intake.image.fileId });
        await reply(ctx.t('tg.need_prompt'));
        return;
      }
      await startTask(ctx, {
        prompt: intake.prompt,
        image: intake.image,
        replyToMessageId: message.message_id,
      });
      return;
    case 'text': {
      const pending = pendingFor(ctx.settings, message.chat.id, (deps.now ?? Date.now)());
      if (pending) await remember(ctx, null);
      await startTask(ctx, {
        prompt: intake.prompt,
        replyToMessageId: message.message_id,
        ...(pending
          ? { image: 'fileId' in pending ? { fileId: pending.fileId } : { taskId: pending.taskId } }
          : {}),
      });
      return;
    }
  }
}

/** Stores (or, with null, forgets) the image waiting for a prompt in this chat. */
export async function remember(
  ctx: BotContext,
  pending: { chatId: number; fileId: string } | { chatId: number; taskId: string } | null,
): Promise<void> {
  const value = pending ? { ...pending, at: (ctx.deps.now ?? Date.now)() } : null;
  await ctx.deps.store.updateUserSettings(ctx.user.id, { pending: value });
}
