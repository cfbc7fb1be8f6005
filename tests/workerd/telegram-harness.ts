// Drives the Telegram bot inside workerd: a bot token of its own per test (the fake Bot API
// keeps state per token), real updates posted to the real Worker, and the queue handler run by
// hand as Cloudflare Queues would.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../worker.ts';
import { fakeTelegramControl, type FakeTelegramControl } from '../fakes/telegram-control.ts';
import { callWorker } from './harness.ts';

export const SECRET = 'telegram-test-secret-token';

export interface TestBot {
  token: string;
  botId: number;
  settings: Record<string, string>;
  fake: FakeTelegramControl;
}

let nextId = Math.floor(Math.random() * 1e9);

/** A unique id for updates, users and chats (the test database is shared by every suite). */
export function uniqueId(): number {
  nextId += 1 + Math.floor(Math.random() * 1000);
  return nextId;
}

/** A new bot on the fake Bot API, with the settings that enable Telegram in the Worker. */
export function newBot(extra: Record<string, string> = {}): TestBot {
  const ports = JSON.parse(
    String((env as unknown as Record<string, unknown>).REELBOT_TEST_PORTS),
  ) as {
    telegramApi: number;
  };
  const apiRoot = `http://127.0.0.1:${ports.telegramApi}`;
  const botId = uniqueId();
  const token = `${botId}:${crypto.randomUUID().replaceAll('-', '')}`;
  return {
    token,
    botId,
    settings: {
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: apiRoot,
      ...extra,
    },
    fake: fakeTelegramControl(apiRoot, token),
  };
}

/** The bot configured in the workerd project's bindings, which the real queue consumer uses. */
export function suiteBot(): TestBot {
  const settings = env as unknown as Record<string, string>;
  const token = settings.TELEGRAM_BOT_TOKEN ?? '';
  const apiRoot = settings.TELEGRAM_API_ROOT ?? '';
  return {
    token,
    botId: Number(token.split(':')[0]),
    settings: {},
    fake: fakeTelegramControl(apiRoot, token),
  };
}

/** Posts an update to the webhook and waits for the work done after the answer. */
export function postUpdate(bot: TestBot, update: unknown, secret: string | null = SECRET) {
  return callWorker(
    '/telegram/webhook',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}),
      },
      body: JSON.stringify(update),
    },
    bot.settings,
  );
}

/** Delivers `{taskId}` to the Worker's queue handler with the bot's settings. */
export async function runQueue(bot: TestBot, taskId: string) {
  const batch = createMessageBatch<{ taskId: string }>('reelbot-tasks', [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { taskId } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...bot.settings }, ctx);
  return getQueueResult(batch, ctx);
}

export interface Person {
  id: number;
  first_name: string;
  language_code?: string;
}

/** A Telegram user; `language_code` as their app sends it. */
export function person(languageCode = 'en'): Person {
  return { id: uniqueId(), first_name: 'Ada', language_code: languageCode };
}

interface MessageOptions {
  from: Person;
  chat?: { id: number; type: 'private' | 'group' | 'supergroup' };
  messageId?: number;
}

function message(options: MessageOptions, fields: Record<string, unknown>) {
  return {
    update_id: uniqueId(),
    message: {
      message_id: options.messageId ?? uniqueId() % 100000,
      date: Math.floor(Date.now() / 1000),
      chat: options.chat ?? { id: options.from.id, type: 'private' },
      from: { ...options.from, is_bot: false },
      ...fields,
    },
  };
}

/** A photo message (three sizes, the file given as the largest). */
export function photoUpdate(options: MessageOptions & { fileId: string; caption?: string }) {
  const size = (side: number, fileId: string) => ({
    file_id: fileId,
    file_unique_id: `u-${fileId}-${side}`,
    width: side,
    height: side,
    file_size: side * 10,
  });
  return message(options, {
    photo: [
      size(90, 'thumb-not-stored'),
      size(320, 'medium-not-stored'),
      size(800, options.fileId),
    ],
    ...(options.caption !== undefined ? { caption: options.caption } : {}),
  });
}

/** A text message; `entities` for commands and mentions. */
export function textUpdate(
  options: MessageOptions & { text: string; replyTo?: unknown; entities?: unknown[] },
) {
  const command = /^\/\w+/.exec(options.text);
  const entities =
    options.entities ??
    (command ? [{ type: 'bot_command', offset: 0, length: command[0].length }] : undefined);
  return message(options, {
    text: options.text,
    ...(entities ? { entities } : {}),
    ...(options.replyTo ? { reply_to_message: options.replyTo } : {}),
  });
}

/** Any other message body (document, sticker, voice...). */
export function otherUpdate(options: MessageOptions, fields: Record<string, unknown>) {
  return message(options, fields);
}

/** A tap on an inline button under the bot's message. */
export function callbackUpdate(from: Person, data: string, messageId: number, chatId = from.id) {
  return {
    update_id: uniqueId(),
    callback_query: {
      id: String(uniqueId()),
      from: { ...from, is_bot: false },
      chat_instance: 'test',
      data,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
      },
    },
  };
}
