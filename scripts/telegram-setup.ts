// Points Telegram at the Worker's webhook and registers the command list (en and zh).
//
//   npx tsx scripts/telegram-setup.ts                 # at $PUBLIC_BASE_URL/telegram/webhook
//   npx tsx scripts/telegram-setup.ts --url https://bot.example.com/telegram/webhook
//   npx tsx scripts/telegram-setup.ts --keep-pending  # do not drop updates queued at Telegram
//   npx tsx scripts/telegram-setup.ts --delete        # remove the webhook
//
// Reads TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_ROOT and PUBLIC_BASE_URL from
// the environment, then .dev.vars. The token is never printed.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { COMMANDS } from '../bots/telegram/commands.ts';
import {
  createTelegramApi,
  describeFailure,
  type TelegramResult,
} from '../core/delivery/telegram-api.ts';
import { loadSettings } from './lib/settings.ts';

/** The update kinds the bot handles; Telegram sends nothing else. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

const settingsSchema = z.object({
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, 'must look like 123456:ABC...'),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -'),
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  PUBLIC_BASE_URL: z.url().optional(),
});

export interface SetupOptions {
  token: string;
  secret: string;
  apiRoot: string;
  /** The full webhook URL, e.g. https://bot.example.com/telegram/webhook. */
  url: string;
  dropPending: boolean;
  fetch?: typeof fetch;
}

/** setWebhook (secret token, allowed updates, pending updates dropped) and setMyCommands. */
export async function setupTelegram(options: SetupOptions): Promise<string[]> {
  const api = createTelegramApi({
    token: options.token,
    apiRoot: options.apiRoot,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const done: string[] = [];
  const step = async (label: string, result: Promise<TelegramResult<unknown>>) => {
    const outcome = await result;
    if (!outcome.ok) throw new Error(`${label}: ${describeFailure(outcome)}`);
    done.push(label);
  };

  await step(
    'setWebhook',
    api.call('setWebhook', {
      url: options.url,
      secret_token: options.secret,
      allowed_updates: ALLOWED_UPDATES,
      drop_pending_updates: options.dropPending,
    }),
  );
  await step('setMyCommands en', api.call('setMyCommands', { commands: COMMANDS.en }));
  await step(
    'setMyCommands zh',
    api.call('setMyCommands', { commands: COMMANDS.zh, language_code: 'zh' }),
  );
  return done;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      'keep-pending': { type: 'boolean', default: false },
      delete: { type: 'boolean', default: false },
    },
  });
  const raw = await loadSettings(process.cwd(), {});
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      console.error(`${issue.path.join('.')}: ${issue.message}`);
    process.exit(1);
  }
  const settings = parsed.data;

  if (values.delete) {
    const api = createTelegramApi({
      token: settings.TELEGRAM_BOT_TOKEN,
      apiRoot: settings.TELEGRAM_API_ROOT,
    });
    const result = await api.call('deleteWebhook', {
      drop_pending_updates: !values['keep-pending'],
    });
    console.log(result.ok ? 'Webhook removed.' : describeFailure(result));
    process.exit(result.ok ? 0 : 1);
  }

  const base = settings.PUBLIC_BASE_URL?.replace(/\/+$/, '');
  const url = values.url ?? (base ? `${base}/telegram/webhook` : undefined);
  if (!url?.startsWith('https://')) {
    console.error('Telegram needs an https webhook URL: pass --url or set PUBLIC_BASE_URL.');
    process.exit(1);
  }
  const done = await setupTelegram({
    token: settings.TELEGRAM_BOT_TOKEN,
    secret: settings.TELEGRAM_WEBHOOK_SECRET,
    apiRoot: settings.TELEGRAM_API_ROOT,
    url,
    dropPending: !values['keep-pending'],
  });
  console.log(`Webhook set to ${url}; ${done.join(', ')} done.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : 'Telegram setup failed');
    process.exit(1);
  });
}
