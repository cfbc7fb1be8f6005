import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../tests/fakes/telegram-api.ts';
import { fakeTelegramControl } from '../tests/fakes/telegram-control.ts';
import { setupTelegram } from './telegram-setup.ts';

let fake: FakeTelegram;
beforeAll(async () => {
  fake = await startFakeTelegram();
});
afterAll(() => fake.close());

const token = () => `${Math.floor(Math.random() * 1e9)}:${crypto.randomUUID().replaceAll('-', '')}`;

describe('telegram setup', () => {
  it('sets the webhook (secret, allowed updates, no backlog) and the commands', async () => {
    const bot = token();
    await setupTelegram({
      token: bot,
      secret: 'sec_ret-1',
      apiRoot: fake.url,
      url: 'https://bot.example.com/telegram/webhook',
      dropPending: true,
    });
    const state = fake.state(bot);
    expect(state.webhook).toEqual({
      url: 'https://bot.example.com/telegram/webhook',
      secret_token: 'sec_ret-1',
      allowed_updates: ['message', 'callback_query'],
      drop_pending_updates: true,
    });
    const commands = (lang: string) =>
      (state.commands[lang] as { command: string }[]).map((c) => c.command);
    const expected = ['start', 'help', 'status', 'quota', 'cancel', 'settings', 'lang'];
    expect(commands('')).toEqual(expected);
    expect(commands('zh')).toEqual(expected);
  });

  it('stops at the first refusal and names it without the token', async () => {
    const bot = token();
    await fakeTelegramControl(fake.url, bot).fail({
      method: 'setWebhook',
      status: 400,
      description: 'Bad Request: bad webhook: HTTPS url must be provided for webhook',
    });
    const run = setupTelegram({
      token: bot,
      secret: 's',
      apiRoot: fake.url,
      url: 'https://x.example/telegram/webhook',
      dropPending: true,
    });
    await expect(run).rejects.toThrow(/^setWebhook: Telegram setWebhook 400: Bad Request/);
    await run.catch((error: Error) => expect(error.message).not.toContain(bot));
    expect(fake.state(bot).commands).toEqual({});
  });
});
