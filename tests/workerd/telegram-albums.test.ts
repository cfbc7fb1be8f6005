// Telegram albums in workerd against the fake Bot API: the photos of one album arrive as
// separate updates, at once and in any order, and become a single task whose first and last
// frames are the album's first and last photos; an album without a caption waits for its
// prompt; in a group only an album meant for the bot starts anything.
import { env } from 'cloudflare:workers';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSql } from '../helpers/database.ts';
import { solidImage } from './media.ts';
import {
  newBot,
  person,
  photoUpdate,
  postUpdate,
  textUpdate,
  uniqueId,
  type Person,
  type TestBot,
} from './telegram-harness.ts';

let sql: postgres.Sql;
const colours: Record<string, Uint8Array> = {};

beforeAll(async () => {
  sql = testSql();
  for (const colour of ['red', 'lime', 'blue']) colours[colour] = await solidImage('jpeg', colour);
});
afterAll(() => sql.end());

const QUIET = { TELEGRAM_ALBUM_WAIT_MS: '300' };
// What the fake Bot API's getMe answers for every token.
const BOT_USERNAME = 'reelbot_test_bot';

interface TaskRow {
  id: string;
  prompt: string;
  provider: string;
  input_key: string | null;
  params: { lastFrame?: { key: string; contentType: string } };
  reply_target: { replyToMessageId: number };
}

async function tasksOf(from: Person): Promise<TaskRow[]> {
  return sql<TaskRow[]>`
    select t.id, t.prompt, t.provider, t.input_key, t.params, t.reply_target
    from video_tasks t join users u on u.id = t.user_id
    where u.platform = 'telegram' and u.platform_user_id = ${String(from.id)}
    order by t.created_at`;
}

async function stored(key: string | null | undefined): Promise<Uint8Array> {
  const object = await env.MEDIA.get(key ?? 'missing');
  return new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
}

async function chatTexts(bot: TestBot, chatId: number): Promise<string[]> {
  const state = await bot.fake.state();
  return state.messages.filter((m) => m.chatId === chatId).map((m) => m.texts.at(-1) ?? '');
}

interface AlbumPhoto {
  colour: string;
  caption?: string;
  captionEntities?: unknown[];
}

/** The updates of one album, message ids in the order the photos were sent. */
async function album(
  bot: TestBot,
  from: Person,
  photos: AlbumPhoto[],
  chat?: { id: number; type: 'supergroup' },
) {
  const mediaGroupId = String(uniqueId());
  const firstId = uniqueId() % 100000;
  return Promise.all(
    photos.map(async (photo, index) => {
      const file = await bot.fake.addFile(colours[photo.colour] ?? new Uint8Array());
      const update = photoUpdate({
        from,
        fileId: file.file_id,
        messageId: firstId + index,
        ...(chat ? { chat } : {}),
        ...(photo.caption !== undefined ? { caption: photo.caption } : {}),
      });
      return {
        ...update,
        message: {
          ...update.message,
          media_group_id: mediaGroupId,
          ...(photo.captionEntities ? { caption_entities: photo.captionEntities } : {}),
        },
      };
    }),
  );
}

/** Posts every update at once, in the given order, as Telegram's parallel deliveries would. */
async function postAll(bot: TestBot, updates: unknown[]) {
  const responses = await Promise.all(updates.map((update) => postUpdate(bot, update)));
  expect(responses.map((r) => r.status)).toEqual(updates.map(() => 200));
}

describe('an album', () => {
  it('becomes one task from its first and last photos, with the caption as prompt', async () => {
    const bot = newBot(QUIET);
    const from = person();
    const updates = await album(bot, from, [
      { colour: 'red' },
      { colour: 'lime', caption: 'day into night' },
      { colour: 'blue' },
    ]);
    // Delivered out of order and at once.
    await postAll(bot, [updates[2], updates[0], updates[1]]);

    const [task, ...others] = await tasksOf(from);
    expect(others).toEqual([]);
    expect(task?.prompt).toBe('day into night');
    expect(await stored(task?.input_key)).toEqual(colours.red);
    expect(task?.params.lastFrame?.contentType).toBe('image/jpeg');
    expect(await stored(task?.params.lastFrame?.key)).toEqual(colours.blue);
    // The status and the video answer the captioned photo; one status message in all.
    expect(task?.reply_target.replyToMessageId).toBe(updates[1]?.message.message_id);
    const texts = await chatTexts(bot, from.id);
    expect(texts).toEqual([expect.stringMatching(/^Queued\./)]);
  });

  it('asks once for the prompt of an album without a caption, then uses both frames', async () => {
    const bot = newBot(QUIET);
    const from = person();
    const updates = await album(bot, from, [{ colour: 'blue' }, { colour: 'red' }]);
    await postAll(bot, updates);
    expect(await tasksOf(from)).toEqual([]);
    expect(await chatTexts(bot, from.id)).toEqual([
      expect.stringMatching(/start on its first photo and end on its last/),
    ]);

    await postUpdate(bot, textUpdate({ from, text: 'a slow sunrise' }));
    const [task] = await tasksOf(from);
    expect(task?.prompt).toBe('a slow sunrise');
    expect(await stored(task?.input_key)).toEqual(colours.blue);
    expect(await stored(task?.params.lastFrame?.key)).toEqual(colours.red);
  });

  it("takes a later text reply to any of its photos as the whole album's prompt", async () => {
    const bot = newBot(QUIET);
    const from = person();
    const updates = await album(bot, from, [{ colour: 'lime' }, { colour: 'blue' }]);
    await postAll(bot, updates);
    // Another photo in between takes over the waiting slot; the reply still means the album.
    const other = await bot.fake.addFile(colours.red ?? new Uint8Array());
    await postUpdate(bot, photoUpdate({ from, fileId: other.file_id }));

    await postUpdate(
      bot,
      textUpdate({ from, text: 'the tide comes in', replyTo: updates[1]?.message }),
    );
    const [task] = await tasksOf(from);
    expect(task?.prompt).toBe('the tide comes in');
    expect(await stored(task?.input_key)).toEqual(colours.lime);
    expect(await stored(task?.params.lastFrame?.key)).toEqual(colours.blue);
  });

  it('starts from the first photo alone, and says so, when the provider takes one', async () => {
    const bot = newBot({ ...QUIET, FAL_KEY: 'fal-test-key', DEFAULT_PROVIDER: 'fal' });
    const from = person();
    const updates = await album(bot, from, [
      { colour: 'red', caption: 'one frame only' },
      { colour: 'blue' },
    ]);
    await postAll(bot, updates);

    const [task] = await tasksOf(from);
    expect(task?.provider).toBe('fal');
    expect(await stored(task?.input_key)).toEqual(colours.red);
    expect(task?.params.lastFrame).toBeUndefined();
    const texts = await chatTexts(bot, from.id);
    expect(texts[0]).toMatch(/fal takes one image/);
  });

  it('is ignored in a group unless it mentions the bot, and used whole when it does', async () => {
    const bot = newBot(QUIET);
    const from = person();
    const group = { id: -uniqueId(), type: 'supergroup' as const };
    const quiet = await album(
      bot,
      from,
      [{ colour: 'red', caption: 'lunch' }, { colour: 'blue' }],
      group,
    );
    await postAll(bot, quiet);
    expect(await tasksOf(from)).toEqual([]);
    expect(await chatTexts(bot, group.id)).toEqual([]);

    const mention = await album(
      bot,
      from,
      [
        { colour: 'lime' },
        {
          colour: 'red',
          caption: `@${BOT_USERNAME} make it move`,
          captionEntities: [{ type: 'mention', offset: 0, length: BOT_USERNAME.length + 1 }],
        },
        { colour: 'blue' },
      ],
      group,
    );
    await postAll(bot, mention);
    const [task] = await tasksOf(from);
    expect(task?.prompt).toBe('make it move');
    expect(await stored(task?.input_key)).toEqual(colours.lime);
    expect(await stored(task?.params.lastFrame?.key)).toEqual(colours.blue);
  });
});
