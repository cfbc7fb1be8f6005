/**
 * The bot's commands: /start /help /status /quota /cancel /settings /lang. The command list
 * registered with Telegram (scripts/telegram-setup.ts) is built from COMMANDS.
 */
import type { Composer } from 'grammy';
import type { Locale } from '../../core/i18n/catalog.ts';
import { ASPECT_RATIOS } from '../../core/providers/provider.ts';
import type { BotContext } from './bot-context.ts';
import { quotaText, recentTasksText } from './replies.ts';

/** Commands with their descriptions, per language, for setMyCommands. */
export const COMMANDS: Record<Locale, { command: string; description: string }[]> = {
  en: [
    { command: 'start', description: 'What this bot does' },
    { command: 'help', description: 'How to use it' },
    { command: 'status', description: 'Your recent videos' },
    { command: 'quota', description: 'What you have left' },
    { command: 'cancel', description: 'Stop the running video' },
    { command: 'settings', description: 'Default duration, aspect ratio, provider' },
    { command: 'lang', description: 'Language' },
  ],
  zh: [
    { command: 'start', description: '机器人能做什么' },
    { command: 'help', description: '使用方法' },
    { command: 'status', description: '最近的视频' },
    { command: 'quota', description: '剩余额度' },
    { command: 'cancel', description: '停止正在生成的视频' },
    { command: 'settings', description: '默认时长、画面比例、服务商' },
    { command: 'lang', description: '语言' },
  ],
};

const DURATION_CHOICES = [3, 5, 8, 10];

/** Registers every command on the bot. */
export function registerCommands(bot: Composer<BotContext>): void {
  bot.command('start', async (ctx) => {
    const usage = await ctx.deps.store.getQuotaUsage(ctx.user.id);
    await ctx.reply(ctx.t('tg.start', { quota: quotaText(ctx.locale, usage) }));
  });

  bot.command('help', (ctx) => ctx.reply(ctx.t('tg.help')));

  bot.command('quota', async (ctx) => {
    const usage = await ctx.deps.store.getQuotaUsage(ctx.user.id);
    await ctx.reply(quotaText(ctx.locale, usage));
  });

  bot.command('status', async (ctx) => {
    const tasks = await ctx.deps.store.listUserTasks(ctx.user.id, 5);
    await ctx.reply(recentTasksText(ctx.locale, tasks));
  });

  bot.command('cancel', async (ctx) => {
    const tasks = await ctx.deps.store.listUserTasks(ctx.user.id, 20);
    const running = tasks.find((task) => task.status === 'pending' || task.status === 'processing');
    const canceled = running
      ? await ctx.deps.service.cancel(
          running.id,
          `telegram:${ctx.user.platformUserId}`,
          ctx.user.id,
        )
      : null;
    await ctx.reply(
      canceled ? ctx.t('tg.cancel_done', { prompt: canceled.prompt }) : ctx.t('tg.cancel_none'),
    );
  });

  bot.command('settings', (ctx) =>
    ctx.reply(settingsText(ctx), { reply_markup: settingsKeyboard(ctx) }),
  );

  bot.command('lang', (ctx) =>
    ctx.reply(ctx.t('tg.lang_choose'), { reply_markup: langKeyboard() }),
  );
}

/** The current defaults, in the user's language. */
export function settingsText(ctx: BotContext): string {
  const provider = currentProvider(ctx);
  return ctx.t('tg.settings', {
    duration: ctx.settings.duration ?? defaultDuration(ctx),
    ratio: ctx.settings.ratio ?? '16:9',
    provider,
  });
}

/** Buttons for duration, ratio and provider; the current choice is marked. */
export function settingsKeyboard(ctx: BotContext) {
  const provider = ctx.deps.providers.get(currentProvider(ctx));
  const durations = provider?.capabilities.durations ?? [];
  const durationChoices = DURATION_CHOICES.filter((d) => durations.includes(d));
  const ratios = provider?.capabilities.ratios ?? ASPECT_RATIOS;
  const duration = ctx.settings.duration ?? defaultDuration(ctx);
  const ratio = ctx.settings.ratio ?? '16:9';
  const mark = (on: boolean, text: string) => (on ? `• ${text}` : text);
  return {
    inline_keyboard: [
      durationChoices.map((d) => ({
        text: mark(d === duration, `${d}s`),
        callback_data: `set:d:${d}`,
      })),
      ratios.map((r) => ({ text: mark(r === ratio, r), callback_data: `set:r:${r}` })),
      ctx.deps.providers.names().map((name) => ({
        text: mark(name === currentProvider(ctx), name),
        callback_data: `set:p:${name}`,
      })),
    ].filter((row) => row.length > 0),
  };
}

/** The two language buttons. */
export function langKeyboard() {
  return {
    inline_keyboard: [
      [
        { text: 'English', callback_data: 'lang:en' },
        { text: '中文', callback_data: 'lang:zh' },
      ],
    ],
  };
}

function currentProvider(ctx: BotContext): string {
  const chosen = ctx.settings.provider;
  return chosen && ctx.deps.providers.get(chosen) ? chosen : ctx.deps.providers.defaultName;
}

function defaultDuration(ctx: BotContext): number {
  const durations = ctx.deps.providers.get(currentProvider(ctx))?.capabilities.durations ?? [5];
  return durations.includes(5) ? 5 : (durations[0] ?? 5);
}
