/**
 * Inline button taps: settings choices, the language, and "again" / "new prompt" under a
 * video. Callback data is checked against fixed patterns; anything else is acknowledged and
 * ignored (old buttons from earlier versions must not break).
 */
import type { Composer } from 'grammy';
import { CALLBACK } from '../../core/delivery/telegram-messages.ts';
import { translate } from '../../core/i18n/catalog.ts';
import { ASPECT_RATIOS, type AspectRatio } from '../../core/providers/provider.ts';
import { telegramTargetSchema } from '../../core/delivery/telegram-messages.ts';
import type { Task } from '../../core/tasks/task.ts';
import type { BotContext } from './bot-context.ts';
import { langKeyboard, settingsKeyboard, settingsText } from './commands.ts';
import { remember } from './on-message.ts';
import { startTask } from './start-task.ts';
import { readSettings } from './user-settings.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SETTING = /^set:(d|r|p):(.{1,48})$/;
const LANG = /^lang:(en|zh)$/;
const AGAIN = new RegExp(`^${CALLBACK.again}(${UUID})$`);
const NEW_PROMPT = new RegExp(`^${CALLBACK.newPrompt}(${UUID})$`);

/** Registers the callback-query handlers. */
export function registerCallbacks(bot: Composer<BotContext>): void {
  bot.callbackQuery(SETTING, async (ctx) => {
    const [, field, value] = ctx.match ?? [];
    const patch = settingPatch(ctx, field, value);
    if (!patch) return void (await ctx.answerCallbackQuery());
    const user = await ctx.deps.store.updateUserSettings(ctx.user.id, patch);
    if (user) ctx.settings = readSettings(user.settings);
    await ctx
      .editMessageText(settingsText(ctx), { reply_markup: settingsKeyboard(ctx) })
      .catch(() => undefined);
    await ctx.answerCallbackQuery(ctx.t('tg.settings_saved'));
  });

  bot.callbackQuery(LANG, async (ctx) => {
    const locale = ctx.match?.[1] === 'zh' ? 'zh' : 'en';
    await ctx.deps.store.updateUserSettings(ctx.user.id, { lang: locale }, locale);
    ctx.locale = locale;
    const text = translate(locale, 'tg.lang_set');
    await ctx.editMessageText(text, { reply_markup: langKeyboard() }).catch(() => undefined);
    await ctx.answerCallbackQuery(text);
  });

  bot.callbackQuery(AGAIN, async (ctx) => {
    const task = await taskInThisChat(ctx, ctx.match?.[1]);
    const messageId = ctx.callbackQuery.message?.message_id;
    if (!task || messageId === undefined) {
      return void (await ctx.answerCallbackQuery(ctx.t('tg.again_missing')));
    }
    await ctx.answerCallbackQuery();
    await startTask(ctx, {
      prompt: task.prompt,
      replyToMessageId: messageId,
      provider: task.provider,
      durationSeconds: task.params.duration,
      ratio: task.params.ratio,
      ...(task.inputKey ? { image: { taskId: task.id } } : {}),
    });
  });

  bot.callbackQuery(NEW_PROMPT, async (ctx) => {
    const task = await taskInThisChat(ctx, ctx.match?.[1]);
    const chatId = ctx.chat?.id;
    if (!task || chatId === undefined) {
      return void (await ctx.answerCallbackQuery(ctx.t('tg.again_missing')));
    }
    // A task without an image asks for a new text: that is just a new message.
    if (task.inputKey) await remember(ctx, { chatId, taskId: task.id });
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('tg.new_prompt_ask'), { reply_markup: { force_reply: true } });
  });

  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery());
}

function settingPatch(ctx: BotContext, field: string | undefined, value: string | undefined) {
  if (value === undefined) return null;
  if (field === 'd') {
    const duration = Number(value);
    return Number.isInteger(duration) && duration > 0 ? { duration } : null;
  }
  if (field === 'r') {
    return ASPECT_RATIOS.includes(value as AspectRatio) ? { ratio: value } : null;
  }
  if (field === 'p') return ctx.deps.providers.get(value) ? { provider: value } : null;
  return null;
}

// Anyone in the chat where a video was delivered may run it again, under their own quota.
async function taskInThisChat(ctx: BotContext, taskId: string | undefined): Promise<Task | null> {
  if (!taskId) return null;
  const task = await ctx.deps.store.getTask(taskId);
  const target = telegramTargetSchema.safeParse(task?.replyTarget);
  if (!task || !target.success || target.data.chatId !== ctx.chat?.id) return null;
  return task;
}
