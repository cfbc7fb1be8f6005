/**
 * The grammY bot for one invocation: its handlers see the invocation's ports through the
 * context. Building it is cheap (no network); the bot's own identity (getMe) is fetched once
 * per isolate and reused.
 */
import { Api, Bot, type Middleware } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { pickLocale, translate } from '../../core/i18n/catalog.ts';
import { recordAlbumPhoto } from './albums.ts';
import type { BotContext, TelegramBotDeps } from './bot-context.ts';
import { registerCallbacks } from './callbacks.ts';
import { registerCommands } from './commands.ts';
import { isAddressedToBot } from './intake.ts';
import { onMessage } from './on-message.ts';
import type { TelegramMessage } from './update-schema.ts';
import { readSettings } from './user-settings.ts';

const identities = new Map<string, Promise<UserFromGetMe>>();

/** The bot's getMe, cached per token and API root for the life of the isolate. */
export function botIdentity(token: string, apiRoot: string, fetchFn?: typeof fetch) {
  const key = `${apiRoot}\n${token}`;
  let identity = identities.get(key);
  if (!identity) {
    identity = new Api(token, clientOptions(apiRoot, fetchFn)).getMe();
    identities.set(key, identity);
    // A failed lookup is not remembered: the next update tries again.
    identity.catch(() => identities.delete(key));
  }
  return identity;
}

/** Builds the bot with every handler. */
export function buildBot(deps: TelegramBotDeps, me: UserFromGetMe): Bot<BotContext> {
  const token = deps.config.TELEGRAM_BOT_TOKEN ?? '';
  const bot = new Bot<BotContext>(token, {
    botInfo: me,
    client: clientOptions(deps.config.TELEGRAM_API_ROOT, deps.fetch),
  });

  bot.use((ctx, next) => {
    ctx.deps = deps;
    ctx.identity = { id: me.id, username: me.username };
    return next();
  });
  bot.use(recordAlbumPhoto);
  bot.use(onlyWhatIsMeant);
  bot.use(loadUser);
  registerCommands(bot);
  registerCallbacks(bot);
  // The route checked the update against updateSchema before grammY saw it.
  bot.on('message', (ctx) => onMessage(ctx, ctx.message as unknown as TelegramMessage));
  return bot;
}

function clientOptions(apiRoot: string, fetchFn?: typeof fetch) {
  return {
    apiRoot: apiRoot.replace(/\/+$/, ''),
    // grammY's Node build defaults to node-fetch; the platform's fetch is what core uses too.
    fetch: fetchFn ?? fetch,
  };
}

// Group traffic that is not for the bot, edits, channel posts and other bots are not answered.
const onlyWhatIsMeant: Middleware<BotContext> = (ctx, next) => {
  if (ctx.callbackQuery) return next();
  const message = ctx.message as unknown as TelegramMessage | undefined;
  if (!message?.from || message.from.is_bot) return;
  if (!isAddressedToBot(message, ctx.identity)) return;
  return next();
};

// Finds or creates the user, picks their language, and stops banned users (told once).
const loadUser: Middleware<BotContext> = async (ctx, next) => {
  const from = ctx.from;
  if (!from) return;
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username;
  const user = await ctx.deps.store.ensureUser('telegram', String(from.id), name);
  ctx.user = user;
  ctx.settings = readSettings(user.settings);
  ctx.locale = ctx.settings.lang ?? pickLocale(from.language_code);
  ctx.t = (key, params) => translate(ctx.locale, key, params);

  if (user.bannedAt) {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    if (ctx.settings.banNotified || !ctx.chat) return;
    await ctx.deps.store.updateUserSettings(user.id, { banNotified: true });
    await ctx.reply(ctx.t('user.banned'));
    return;
  }
  await next();
};
