/**
 * The work behind one webhook call, run after Telegram got its answer: dedupe the update id,
 * then let the bot handle it. Any fault ends in a message to the chat (when there is one) and
 * a log line; it is never thrown back, because Telegram would only redeliver the same update.
 */
import type { BotContext, TelegramBotDeps } from './bot-context.ts';
import { botIdentity, buildBot } from './bot.ts';
import type { TelegramUpdate } from './update-schema.ts';
import { pickLocale, translate } from '../../core/i18n/catalog.ts';
import type { Update } from 'grammy/types';
import { BotError } from 'grammy';

/** Handles one validated update once; resolves when all its work is done. */
export async function processUpdate(deps: TelegramBotDeps, update: TelegramUpdate): Promise<void> {
  const { logger, config } = deps;
  const updateId = update.update_id;
  try {
    const fresh = await deps.store.recordUpdate('telegram', String(updateId));
    if (!fresh) {
      logger.info('telegram.duplicate_update', { updateId });
      return;
    }
    const me = await botIdentity(
      config.TELEGRAM_BOT_TOKEN ?? '',
      config.TELEGRAM_API_ROOT,
      deps.fetch,
    );
    const bot = buildBot(deps, me);
    await bot.handleUpdate(update as unknown as Update);
  } catch (error) {
    const cause = error instanceof BotError ? (error.error as unknown) : error;
    // Only the name: driver and fetch messages can carry connection strings or the bot token.
    logger.error('telegram.update_failed', {
      updateId,
      error: cause instanceof Error ? cause.name : 'unknown',
    });
    await apologize(deps, update, error instanceof BotError ? (error.ctx as BotContext) : null);
  }
}

async function apologize(
  deps: TelegramBotDeps,
  update: TelegramUpdate,
  ctx: BotContext | null,
): Promise<void> {
  const chatId = update.message?.chat.id ?? update.callback_query?.message?.chat.id;
  if (chatId === undefined) return;
  const from = update.message?.from ?? update.callback_query?.from;
  const locale = ctx?.locale ?? pickLocale(from?.language_code);
  await deps.files
    .call('sendMessage', {
      chat_id: chatId,
      text: translate(locale, 'tg.internal_error'),
      ...(update.message
        ? {
            reply_parameters: {
              message_id: update.message.message_id,
              allow_sending_without_reply: true,
            },
          }
        : {}),
    })
    .catch(() => undefined);
}
