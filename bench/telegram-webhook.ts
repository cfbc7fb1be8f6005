/**
 * Benchmark: Telegram webhook handling for 2,000 photo updates from 100 concurrent chats (20
 * each, one after another per chat), in-process against the Hono app (bots/app.ts) on a real
 * Postgres and the fake Bot API over loopback HTTP, with an in-memory R2 bucket and a no-op
 * queue producer. Two figures for the app: the answer to Telegram (secret check, validation,
 * then the work is handed to waitUntil) and the whole handling (dedupe, user, status message,
 * getFile and download, R2 copy, task insert, queue position, status edit). Side by side: a
 * bare grammY bot (webhookCallback, std/http adapter) that only answers each update with one
 * sendMessage to the same fake, the framework's floor on this machine.
 *
 * Knobs: BENCH_TG_UPDATES (2000), BENCH_TG_CHATS (100).
 */
import { Bot, webhookCallback } from 'grammy';
import { app } from '../bots/app.ts';
import { startFakeTelegram } from '../tests/fakes/telegram-api.ts';
import { fakeTelegramControl } from '../tests/fakes/telegram-control.ts';
import { makeImage } from '../tests/helpers/media.ts';
import { startBenchDatabase } from './support/database.ts';
import { envInt, percentile, printTable } from './support/stats.ts';

const SECRET = 'bench-secret-token';

interface Timing {
  answerMs: number;
  doneMs: number;
  status: number;
}

/** Runs the benchmark and prints its figures. */
export async function runTelegramBench(): Promise<void> {
  const updates = envInt('BENCH_TG_UPDATES', 2000);
  const chats = envInt('BENCH_TG_CHATS', 100);
  const perChat = Math.ceil(updates / chats);

  const db = await startBenchDatabase();
  const fake = await startFakeTelegram();
  try {
    // Quotas are not what is measured: lift them for every user this run creates.
    await db.sql`update quota_defaults set daily_limit = null, monthly_limit = null,
                 concurrent_limit = null`;
    const token = `7100001:${crypto.randomUUID().replaceAll('-', '')}`;
    const control = fakeTelegramControl(fake.url, token);
    const jpeg = await makeImage('jpeg', 640, 480);
    const fileIds = await Promise.all(
      Array.from({ length: chats }, async () => (await control.addFile(jpeg)).file_id),
    );

    const env = benchEnv(db.url, token, fake.url);
    let updateId = 1;
    const appSend = (chat: number): Promise<Timing> =>
      timed(async (onAnswer) => {
        const pending: Promise<unknown>[] = [];
        const ctx = {
          waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
          passThroughOnException: () => undefined,
          props: {},
        };
        const response = await app.request(
          '/telegram/webhook',
          webhookRequest(photoUpdate(updateId++, chat, fileIds[chat % chats] ?? '')),
          env,
          ctx,
        );
        onAnswer();
        await Promise.all(pending);
        return response.status;
      });

    const bare = new Bot(token, {
      botInfo: botInfo(token),
      client: { apiRoot: fake.url, fetch },
    });
    bare.on('message', (ctx) => ctx.reply('ok'));
    const bareHandle = webhookCallback(bare, 'std/http', { secretToken: SECRET });
    const bareSend = (chat: number): Promise<Timing> =>
      timed(async (onAnswer) => {
        const request = new Request('http://bench/webhook', {
          ...webhookRequest(photoUpdate(updateId++, chat, fileIds[chat % chats] ?? '')),
        });
        const response = await bareHandle(request);
        onAnswer();
        return response.status;
      });

    // Warm-up: JIT, connection pools, the bot's cached getMe.
    await drive(chats, 2, appSend);
    await drive(chats, 2, bareSend);

    const appTimings = await drive(chats, perChat, appSend);
    const bareTimings = await drive(chats, perChat, bareSend);
    const [created] = await db.sql<{ count: number }[]>`
      select count(*)::int as count from video_tasks`;

    const figures = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    };
    const answer = figures(appTimings.map((t) => t.answerMs));
    const done = figures(appTimings.map((t) => t.doneMs));
    const floor = figures(bareTimings.map((t) => t.doneMs));
    const ms = (value: number) => value.toFixed(2);
    const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}x`;

    console.log(
      `\nTelegram webhook: ${appTimings.length} photo updates, ${chats} concurrent chats ` +
        `(${created?.count ?? 0} tasks in the database, warm-up included)`,
    );
    printTable(
      ['handler', 'p50 ms', 'p99 ms', 'p50 vs bare grammY', 'non-200'],
      [
        [
          'reelbot: answer to Telegram',
          ms(answer.p50),
          ms(answer.p99),
          ratio(answer.p50, floor.p50),
          String(appTimings.filter((t) => t.status !== 200).length),
        ],
        ['reelbot: whole handling', ms(done.p50), ms(done.p99), ratio(done.p50, floor.p50), ''],
        [
          'bare grammY (one sendMessage)',
          ms(floor.p50),
          ms(floor.p99),
          '1.00x',
          String(bareTimings.filter((t) => t.status !== 200).length),
        ],
      ],
    );
  } finally {
    await fake.close();
    await db.stop();
  }
}

function benchEnv(databaseUrl: string, token: string, apiRoot: string) {
  return {
    RUNTIME_MODE: 'local',
    DATABASE_URL: databaseUrl,
    DNS_CHECK_IMAGE_URLS: 'false',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_ROOT: apiRoot,
    MEDIA: memoryBucket(),
    TASK_QUEUE: { send: async () => undefined, sendBatch: async () => undefined },
  };
}

// The subset of R2Bucket that storing an input image uses, in memory.
function memoryBucket() {
  const objects = new Map<string, { bytes: Uint8Array; contentType: string }>();
  return {
    async put(
      key: string,
      value: Uint8Array,
      options: { httpMetadata?: { contentType?: string } },
    ) {
      const contentType = options.httpMetadata?.contentType ?? 'application/octet-stream';
      objects.set(key, { bytes: value, contentType });
      return { key, size: value.byteLength, httpMetadata: { contentType } };
    },
    async delete(key: string) {
      objects.delete(key);
    },
  };
}

function webhookRequest(update: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
  };
}

function photoUpdate(updateId: number, chat: number, fileId: string) {
  const id = 900_000 + chat;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id, type: 'private' },
      from: { id, is_bot: false, first_name: `Chat ${chat}`, language_code: 'en' },
      photo: [{ file_id: fileId, file_unique_id: `u${fileId}`, width: 640, height: 480 }],
      caption: 'the waves roll in',
    },
  };
}

function botInfo(token: string) {
  return {
    id: Number(token.split(':')[0]),
    is_bot: true as const,
    first_name: 'Reelbot Bench',
    username: 'reelbot_test_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
}

async function timed(run: (onAnswer: () => void) => Promise<number>): Promise<Timing> {
  const start = performance.now();
  let answered = start;
  const status = await run(() => {
    answered = performance.now();
  });
  return { answerMs: answered - start, doneMs: performance.now() - start, status };
}

// `chats` chats at once, each sending its updates one after another.
async function drive(
  chats: number,
  perChat: number,
  send: (chat: number) => Promise<Timing>,
): Promise<Timing[]> {
  const results: Timing[] = [];
  await Promise.all(
    Array.from({ length: chats }, async (_, chat) => {
      for (let i = 0; i < perChat; i++) results.push(await send(chat));
    }),
  );
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runTelegramBench();
}
