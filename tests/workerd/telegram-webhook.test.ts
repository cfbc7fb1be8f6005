// The Telegram webhook in workerd against the fake Bot API: authentication, dedupe, every kind
// of input, refusals, groups, bans and both languages. The work after the answer is awaited
// (callWorker waits for waitUntil), so each test sees its full effect.
import { env } from 'cloudflare:workers';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSql } from '../helpers/database.ts';
import { listKeys } from './harness.ts';
import { image } from './media.ts';
import {
  callbackUpdate,
  newBot,
  otherUpdate,
  person,
  photoUpdate,
  postUpdate,
  textUpdate,
  uniqueId,
  type Person,
  type TestBot,
} from './telegram-harness.ts';

let sql: postgres.Sql;
let jpeg: Uint8Array;

beforeAll(async () => {
  sql = testSql();
  jpeg = await image('jpeg', 800, 600);
});
afterAll(() => sql.end());

interface TaskRow {
  id: string;
  prompt: string;
  status: string;
  input_key: string | null;
  input_image_url: string | null;
  reply_target: Record<string, unknown>;
  params: { duration: number; ratio: string };
  source: string;
}

async function tasksOf(from: Person): Promise<TaskRow[]> {
  return sql<TaskRow[]>`
    select t.id, t.prompt, t.status, t.input_key, t.input_image_url, t.reply_target, t.params,
           t.source
    from video_tasks t join users u on u.id = t.user_id
    where u.platform = 'telegram' and u.platform_user_id = ${String(from.id)}
    order by t.created_at`;
}

/** Texts the bot showed in this chat, each message's latest text, oldest first. */
async function chatTexts(bot: TestBot, chatId: number): Promise<string[]> {
  const state = await bot.fake.state();
  return state.messages.filter((m) => m.chatId === chatId).map((m) => m.texts.at(-1) ?? '');
}

async function sendPhoto(bot: TestBot, from: Person, caption?: string) {
  const file = await bot.fake.addFile(jpeg);
  return postUpdate(
    bot,
    photoUpdate({ from, fileId: file.file_id, ...(caption !== undefined ? { caption } : {}) }),
  );
}

describe('webhook authentication', () => {
  it('refuses a wrong or missing secret token with 401 and does nothing else', async () => {
    const bot = newBot();
    const from = person();
    const update = textUpdate({ from, text: 'a cat' });
    for (const secret of ['wrong-secret', null, '']) {
      const response = await postUpdate(bot, update, secret);
      expect(response.status).toBe(401);
    }
    expect((await bot.fake.state()).calls).toEqual([]);
    expect(await tasksOf(from)).toEqual([]);
    const seen = await sql`
      select 1 from processed_updates where platform = 'telegram'
        and update_id = ${String(update.update_id)}`;
    expect(seen).toHaveLength(0);
  });

  it('answers 404 when Telegram is not configured', async () => {
    const bot = newBot({ TELEGRAM_BOT_TOKEN: '' });
    const response = await postUpdate(bot, textUpdate({ from: person(), text: 'hi' }));
    expect(response.status).toBe(404);
  });

  it('acknowledges a malformed update without acting on it', async () => {
    const bot = newBot();
    const response = await postUpdate(bot, { update_id: 'nope', message: 42 });
    expect(response.status).toBe(200);
    expect((await bot.fake.state()).calls).toEqual([]);
  });
});

describe('a photo with a caption', () => {
  it('creates one task with the image copied into R2 and shows it queued', async () => {
    const bot = newBot();
    const from = person();
    const response = await sendPhoto(bot, from, 'the waves roll in');
    expect(response.status).toBe(200);

    const [task, ...others] = await tasksOf(from);
    expect(others).toEqual([]);
    expect(task).toMatchObject({ prompt: 'the waves roll in', source: 'telegram' });
    // The Telegram file link carries the bot token: it is neither stored nor handed on.
    expect(task?.input_image_url).toBeNull();
    expect(JSON.stringify(task)).not.toContain(bot.token);
    expect(await listKeys(task?.input_key ?? 'missing')).toEqual([task?.input_key]);
    const stored = await env.MEDIA.get(task?.input_key ?? '');
    expect(new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(jpeg);

    const texts = await chatTexts(bot, from.id);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^Queued\. (Position in line: \d+|You are next)\.$/);
    const status = (await bot.fake.state()).messages[0];
    expect(task?.reply_target).toMatchObject({
      kind: 'telegram',
      chatId: from.id,
      statusMessageId: status?.messageId,
      locale: 'en',
    });
    // Held while "queued" was shown, then released: due now, not when the hold runs out.
    const [due] = await sql<{ due: boolean }[]>`
      select coalesce(next_run_at, now()) <= now() + interval '2 seconds' as due from video_tasks
      where id = ${task?.id ?? ''}`;
    expect(due?.due).toBe(true);
    // Only the largest photo size was fetched.
    const getFile = (await bot.fake.state()).calls.filter((c) => c.method === 'getFile');
    expect(getFile.map((c) => c.params.file_id)).toEqual([expect.stringMatching(/^file-/)]);
  });

  it('processes a redelivered update once', async () => {
    const bot = newBot();
    const from = person();
    const file = await bot.fake.addFile(jpeg);
    const update = photoUpdate({ from, fileId: file.file_id, caption: 'once only' });
    for (let i = 0; i < 3; i++) expect((await postUpdate(bot, update)).status).toBe(200);
    expect(await tasksOf(from)).toHaveLength(1);
    const sent = (await bot.fake.state()).calls.filter((c) => c.method === 'sendMessage');
    expect(sent).toHaveLength(1);
  });

  it('speaks Chinese to a user whose Telegram is in Chinese', async () => {
    const bot = newBot();
    const from = person('zh-hans');
    await sendPhoto(bot, from, '海浪');
    const texts = await chatTexts(bot, from.id);
    expect(texts[0]).toMatch(/^已排队/);
    expect((await tasksOf(from))[0]?.reply_target.locale).toBe('zh');
  });
});

describe('other inputs', () => {
  it('makes a text-to-video task from a text alone', async () => {
    const bot = newBot();
    const from = person();
    await postUpdate(bot, textUpdate({ from, text: 'a title card that says hello' }));
    const [task] = await tasksOf(from);
    expect(task).toMatchObject({ prompt: 'a title card that says hello', input_key: null });
  });

  it('asks for a prompt for a photo alone, then uses the reply to it', async () => {
    const bot = newBot();
    const from = person();
    const file = await bot.fake.addFile(jpeg);
    const photo = photoUpdate({ from, fileId: file.file_id });
    await postUpdate(bot, photo);
    expect(await tasksOf(from)).toEqual([]);
    expect(await chatTexts(bot, from.id)).toEqual([expect.stringMatching(/reply to it/)]);

    await postUpdate(bot, textUpdate({ from, text: 'zoom in slowly', replyTo: photo.message }));
    const [task] = await tasksOf(from);
    expect(task?.prompt).toBe('zoom in slowly');
    expect(task?.input_key).toMatch(/^inputs\/.+\.jpg$/);
  });

  it('uses a waiting photo for the next text even when it is not a reply', async () => {
    const bot = newBot();
    const from = person();
    await sendPhoto(bot, from);
    await postUpdate(bot, textUpdate({ from, text: 'pan left' }));
    const [task] = await tasksOf(from);
    expect(task?.input_key).not.toBeNull();
  });

  it('downloads from a Bot API server run with --local through TELEGRAM_FILE_ROOT', async () => {
    const plain = newBot();
    const apiRoot = plain.settings.TELEGRAM_API_ROOT ?? '';
    const bot = newBot({ TELEGRAM_FILE_ROOT: `${apiRoot}/local-files` });
    await bot.fake.localMode();
    const from = person();
    await sendPhoto(bot, from, 'from a local server');
    const [task] = await tasksOf(from);
    const stored = await env.MEDIA.get(task?.input_key ?? '');
    expect(new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(jpeg);

    // Without the file root, the disk path cannot be fetched: the user is told, nothing is made.
    const unpublished = newBot();
    await unpublished.fake.localMode();
    const other = person();
    await sendPhoto(unpublished, other, 'from a local server');
    expect(await tasksOf(other)).toEqual([]);
    expect(await chatTexts(unpublished, other.id)).toEqual([
      expect.stringMatching(/could not download the image/),
    ]);
  });

  it('takes the largest photo size the provider accepts, not one over its limit', async () => {
    // The deployment allows 20 MB; the local provider takes 10 MB.
    const bot = newBot({ MAX_IMAGE_BYTES: String(20 * 1024 * 1024) });
    const from = person();
    const fits = await bot.fake.addFile(jpeg, 'photo.jpg');
    const over = await bot.fake.addFile(jpeg, 'big.jpg', 15 * 1024 * 1024);
    const size = (fileId: string, side: number, bytes: number) => ({
      file_id: fileId,
      file_unique_id: `u-${fileId}`,
      width: side,
      height: side,
      file_size: bytes,
    });
    const update = otherUpdate(
      { from },
      {
        photo: [
          size(fits.file_id, 1280, jpeg.byteLength),
          size(over.file_id, 4000, over.file_size),
        ],
        caption: 'the right size',
      },
    );
    await postUpdate(bot, update);
    const [task] = await tasksOf(from);
    expect(task?.prompt).toBe('the right size');
    const getFile = (await bot.fake.state()).calls.filter((c) => c.method === 'getFile');
    expect(getFile.map((c) => c.params.file_id)).toEqual([fits.file_id]);
  });

  it('takes an image sent as a file (PNG document)', async () => {
    const bot = newBot();
    const from = person();
    const png = await image('png', 320, 240);
    const file = await bot.fake.addFile(png, 'drawing.png');
    const document = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: 'drawing.png',
      mime_type: 'image/png',
      file_size: png.byteLength,
    };
    await postUpdate(bot, otherUpdate({ from }, { document, caption: 'it comes alive' }));
    const [task] = await tasksOf(from);
    expect(task?.input_key).toMatch(/\.png$/);
  });

  const unsupported: [string, Record<string, unknown>, RegExp][] = [
    [
      'a sticker',
      { sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1 } },
      /I can only use photos/,
    ],
    ['a voice message', { voice: { file_id: 'v', file_unique_id: 'v', duration: 3 } }, /only use/],
    [
      'a PDF',
      {
        document: { file_id: 'p', file_unique_id: 'p', mime_type: 'application/pdf' },
        caption: 'animate this',
      },
      /I can only use photos/,
    ],
    [
      'a 30 MB image file',
      {
        document: {
          file_id: 'big',
          file_unique_id: 'big',
          mime_type: 'image/jpeg',
          file_size: 30 * 1024 * 1024,
        },
        caption: 'animate this',
      },
      /30\.0 MB; I can take images up to 10 MB/,
    ],
  ];
  for (const [name, fields, reply] of unsupported) {
    it(`explains what the bot accepts for ${name}, and makes no task`, async () => {
      const bot = newBot();
      const from = person();
      expect((await postUpdate(bot, otherUpdate({ from }, fields))).status).toBe(200);
      expect(await chatTexts(bot, from.id)).toEqual([expect.stringMatching(reply)]);
      expect(await tasksOf(from)).toEqual([]);
      const calls = (await bot.fake.state()).calls.map((c) => c.method);
      expect(calls).not.toContain('getFile');
    });
  }
});

describe('refusals', () => {
  it('tells a user who used their quota so, and makes no task', async () => {
    const bot = newBot();
    const from = person();
    await sql`insert into users (platform, platform_user_id, daily_limit)
              values ('telegram', ${String(from.id)}, 0)`;
    await sendPhoto(bot, from, 'one more');
    expect(await tasksOf(from)).toEqual([]);
    const texts = await chatTexts(bot, from.id);
    expect(texts).toEqual([expect.stringMatching(/^You have used your 0 videos for today/)]);
    expect(await listKeys('inputs/')).not.toContain(undefined);
  });

  it('tells a banned user once and ignores them after', async () => {
    const bot = newBot();
    const from = person();
    await sql`insert into users (platform, platform_user_id, banned_at)
              values ('telegram', ${String(from.id)}, now())`;
    await postUpdate(bot, textUpdate({ from, text: 'hello' }));
    await postUpdate(bot, textUpdate({ from, text: 'hello again' }));
    await postUpdate(bot, textUpdate({ from, text: '/start' }));
    expect(await chatTexts(bot, from.id)).toEqual(['You are not allowed to use this bot.']);
    expect(await tasksOf(from)).toEqual([]);
  });

  it('tells the user when the database is down, and still answers Telegram 200', async () => {
    const bot = newBot({ DATABASE_URL: 'postgresql://postgres:postgres@127.0.0.1:9/postgres' });
    const from = person();
    const response = await postUpdate(bot, textUpdate({ from, text: 'a quiet lake' }));
    expect(response.status).toBe(200);
    expect(await chatTexts(bot, from.id)).toEqual([
      expect.stringMatching(/went wrong on our side/),
    ]);
  });
});

describe('groups', () => {
  it('ignores group messages that are not for the bot, answers mentions', async () => {
    const bot = newBot();
    const from = person();
    const chat = { id: -uniqueId(), type: 'supergroup' as const };
    await postUpdate(bot, textUpdate({ from, chat, text: 'lunch anyone?' }));
    const calls = (await bot.fake.state()).calls.map((c) => c.method);
    expect(calls.filter((method) => method !== 'getMe')).toEqual([]);

    const text = '@reelbot_test_bot a rocket launch';
    await postUpdate(
      bot,
      textUpdate({ from, chat, text, entities: [{ type: 'mention', offset: 0, length: 17 }] }),
    );
    const [task] = await tasksOf(from);
    expect(task?.prompt).toBe('a rocket launch');
    expect(task?.reply_target.chatId).toBe(chat.id);
  });
});

describe('commands', () => {
  it('/start explains the bot and shows the remaining quota', async () => {
    const bot = newBot();
    const from = person();
    await postUpdate(bot, textUpdate({ from, text: '/start' }));
    const [text] = await chatTexts(bot, from.id);
    expect(text).toMatch(/Send me a photo/);
    expect(text).toMatch(/Today: 0\/20\. This month: 0\/300\./);
  });

  it('/lang switches to Chinese and the bot keeps speaking it', async () => {
    const bot = newBot();
    const from = person('en');
    await postUpdate(bot, textUpdate({ from, text: '/lang' }));
    const [menu] = (await bot.fake.state()).messages;
    await postUpdate(bot, callbackUpdate(from, 'lang:zh', menu?.messageId ?? 0));
    await postUpdate(bot, textUpdate({ from, text: '/help' }));
    const texts = await chatTexts(bot, from.id);
    expect(texts[0]).toBe('语言已设为中文。');
    expect(texts[1]).toMatch(/^使用方法/);
  });

  it('/settings remembers the chosen duration and ratio for the next task', async () => {
    const bot = newBot();
    const from = person();
    await postUpdate(bot, textUpdate({ from, text: '/settings' }));
    const [menu] = (await bot.fake.state()).messages;
    await postUpdate(bot, callbackUpdate(from, 'set:d:3', menu?.messageId ?? 0));
    await postUpdate(bot, callbackUpdate(from, 'set:r:9:16', menu?.messageId ?? 0));
    expect(await chatTexts(bot, from.id)).toEqual([expect.stringMatching(/Duration: 3 s/)]);
    await postUpdate(bot, textUpdate({ from, text: 'a tall waterfall' }));
    const [task] = await tasksOf(from);
    expect(task?.params).toMatchObject({ duration: 3, ratio: '9:16' });
  });

  it('/status lists recent tasks and /cancel stops the running one', async () => {
    const bot = newBot();
    const from = person();
    await postUpdate(bot, textUpdate({ from, text: 'first video' }));
    await postUpdate(bot, textUpdate({ from, text: '/status' }));
    await postUpdate(bot, textUpdate({ from, text: '/cancel' }));
    await postUpdate(bot, textUpdate({ from, text: '/cancel' }));
    const texts = await chatTexts(bot, from.id);
    // The suite's queue consumer may already have picked the task up when /status runs.
    expect(texts[1]).toMatch(/^Your recent videos:\n(⏳ queued|🎬 generating \d+%) · first video$/);
    expect(texts.slice(2)).toEqual([
      'Canceled your video "first video".',
      'You have no video in progress.',
    ]);
    expect((await tasksOf(from))[0]?.status).toBe('canceled');
  });
});
