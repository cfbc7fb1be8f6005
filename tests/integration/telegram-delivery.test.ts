// Telegram delivery as the Node consumer runs it: the task service on the real database, a
// scriptable fake provider, and the fake Bot API. Covers what the local provider cannot be
// made to do on demand: failures with reasons, videos over the upload limit, blocked bots.
import type postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramApi } from '../../core/delivery/telegram-api.ts';
import { createTelegramDeliverer } from '../../core/delivery/telegram.ts';
import { telegramTarget } from '../../core/delivery/telegram-messages.ts';
import type { Locale } from '../../core/i18n/catalog.ts';
import type { TaskService } from '../../core/tasks/service.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-api.ts';
import { fakeTelegramControl } from '../fakes/telegram-control.ts';
import { testSql } from '../helpers/database.ts';
import { makeImage } from '../helpers/media.ts';
import { createTestUser } from '../helpers/users.ts';
import { startServiceHarness, type ServiceHarness } from './service-harness.ts';

let h: ServiceHarness;
let telegram: FakeTelegram;
let sql: postgres.Sql;
let png: Uint8Array;
let token: string;

beforeAll(async () => {
  h = await startServiceHarness();
  telegram = await startFakeTelegram();
  sql = testSql();
  png = await makeImage('png', 320, 240);
});
afterAll(async () => {
  await h.close();
  await telegram.close();
  await sql.end();
});
beforeEach(() => {
  h.fake.reset();
  token = `${Math.floor(Math.random() * 1e9)}:${crypto.randomUUID().replaceAll('-', '')}`;
});

function service(maxUploadBytes?: number): TaskService {
  const telegramDeliverer = createTelegramDeliverer({
    token,
    apiRoot: telegram.url,
    linkTtlSeconds: 7200,
    ...(maxUploadBytes !== undefined ? { maxUploadBytes } : {}),
  });
  return h.service(undefined, {
    deliverers: { telegram: telegramDeliverer },
  });
}

/** A task from chat `chatId` with a status message already sent, as the webhook leaves it. */
async function chatTask(svc: TaskService, prompt: string, locale: Locale = 'en') {
  const chatId = Math.floor(Math.random() * 1e9);
  const api = createTelegramApi({ token, apiRoot: telegram.url });
  const status = await api.call<{ message_id: number }>('sendMessage', {
    chat_id: chatId,
    text: 'Got it. Preparing…',
  });
  if (!status.ok) throw new Error('status message not sent');
  const { userId } = await createTestUser(sql);
  const outcome = await svc.create({
    userId,
    source: 'telegram',
    prompt,
    durationSeconds: 2,
    image: { bytes: png },
    replyTarget: telegramTarget({
      chatId,
      replyToMessageId: 77,
      statusMessageId: status.result.message_id,
      locale,
    }),
  });
  if (!outcome.ok) throw new Error(outcome.error.message);
  return { task: outcome.task, chatId, statusId: status.result.message_id };
}

async function runToEnd(svc: TaskService, taskId: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const outcome = await svc.advance(taskId);
    if (outcome.kind === 'finished') return;
    if (outcome.kind === 'idle') return;
    // The provider's poll interval is not waited out here: the next wake-up is brought forward.
    await h.store.wakeTask(taskId, 0);
  }
  throw new Error('task did not finish');
}

function statusTexts(chatId: number, statusId: number): string[] {
  const message = telegram
    .state(token)
    .messages.find((m) => m.chatId === chatId && m.messageId === statusId);
  return message?.texts ?? [];
}

describe('Telegram delivery', () => {
  it('shows a failed task with a reason a person understands and an "again" button', async () => {
    h.fake.script({
      prompts: { 'forbidden thing': { submit: { status: 400, code: 'safety_rejected' } } },
    });
    const svc = service();
    const { task, chatId, statusId } = await chatTask(svc, 'forbidden thing');
    await runToEnd(svc, task.id);

    expect(statusTexts(chatId, statusId).at(-1)).toBe(
      'Sorry, the video could not be made: the provider declined this prompt or image for ' +
        'safety reasons.',
    );
    const status = telegram.state(token).messages.find((m) => m.messageId === statusId);
    expect(JSON.stringify(status?.replyMarkup)).toContain(`again:${task.id}`);
    expect((await h.store.getTask(task.id))?.deliveredAt).not.toBeNull();
  });

  it('says it in Chinese when the task was started in Chinese', async () => {
    h.fake.script({
      default: { outcome: { status: 'failed', code: 'provider_unavailable', retryable: false } },
    });
    const svc = service();
    const { task, chatId, statusId } = await chatTask(svc, 'zh failure', 'zh');
    await runToEnd(svc, task.id);
    expect(statusTexts(chatId, statusId).at(-1)).toMatch(/^抱歉，视频生成失败/);
  });

  it('edits progress, then sends a video over the upload limit as a link', async () => {
    h.fake.script({ default: { runningPolls: 2, progress: [30, 70] } });
    const svc = service(10);
    const { task, chatId, statusId } = await chatTask(svc, 'a big one');
    await runToEnd(svc, task.id);

    const texts = statusTexts(chatId, statusId);
    expect(texts).toEqual(
      expect.arrayContaining(['Generating your video… 30%', 'Generating your video… 70%']),
    );
    expect(texts.at(-1)).toBe('Done! Here is your video.');
    const calls = telegram.state(token).calls;
    expect(calls.some((c) => c.method === 'sendVideo')).toBe(false);
    const sent = calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === chatId);
    const link = sent.at(-1);
    expect(sent).toHaveLength(2);
    expect(String(link?.params.text)).toMatch(/too large to send here.*valid 2 h\): http/);
    expect(link?.params.reply_parameters).toEqual({
      message_id: 77,
      allow_sending_without_reply: true,
    });
  });

  it('gives up at once when the user blocked the bot, without regenerating', async () => {
    await fakeTelegramControl(telegram.url, token).fail({
      method: 'sendVideo',
      status: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
    const svc = service();
    const { task } = await chatTask(svc, 'blocked');
    await runToEnd(svc, task.id);

    const events = await h.store.listTaskEvents(task.id);
    const failure = events.find((e) => e.type === 'delivery_failed');
    expect(failure?.detail).toMatchObject({ give_up: true });
    expect(failure?.detail.message).toBe(
      'Telegram sendVideo 403: Forbidden: bot was blocked by the user',
    );
    expect(events.filter((e) => e.type === 'submitted')).toHaveLength(1);
    expect((await h.store.getTask(task.id))?.nextRunAt).toBeNull();
  });

  it('tells the chat a canceled task was canceled', async () => {
    const svc = service();
    const { task, chatId, statusId } = await chatTask(svc, 'never mind');
    await svc.cancel(task.id, 'test');
    await runToEnd(svc, task.id);
    expect(statusTexts(chatId, statusId).at(-1)).toBe('Canceled.');
  });
});
