// A Telegram photo through the whole local pipeline in workerd: the webhook creates the task,
// the real queue handler advances it against the real local provider (ffmpeg), and the fake
// Bot API sees the status message edited through its states and receives the MP4 as an
// upload. Uses the suite's bot (the bindings' token), the one the real queue consumer has too.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSql } from '../helpers/database.ts';
import type { FakeMessage, RecordedCall } from '../fakes/telegram-control.ts';
import { frameColor, image, probe, solidImage } from './media.ts';
import {
  callbackUpdate,
  person,
  photoUpdate,
  postUpdate,
  runQueue,
  suiteBot,
  uniqueId,
  type Person,
  type TestBot,
} from './telegram-harness.ts';

let sql: postgres.Sql;
let jpeg: Uint8Array;
const bot: TestBot = suiteBot();

beforeAll(async () => {
  sql = testSql();
  jpeg = await image('jpeg', 640, 480);
});
afterAll(() => sql.end());

interface Row {
  id: string;
  status: string;
  delivered_at: Date | null;
  next_run_at: Date | null;
  output_bytes: number | null;
  input_key: string | null;
  prompt: string;
}

async function tasksOf(from: Person): Promise<Row[]> {
  return sql<Row[]>`
    select t.id, t.status, t.delivered_at, t.next_run_at, t.output_bytes, t.input_key, t.prompt
    from video_tasks t join users u on u.id = t.user_id
    where u.platform = 'telegram' and u.platform_user_id = ${String(from.id)}
    order by t.created_at`;
}

async function row(id: string): Promise<Row> {
  const [found] = await sql<Row[]>`
    select id, status, delivered_at, next_run_at, output_bytes, input_key, prompt
    from video_tasks where id = ${id}`;
  if (!found) throw new Error(`no task ${id}`);
  return found;
}

/** Wakes the task until `done(row)`, waiting out any delay the task asked for. */
async function runUntil(id: string, done: (task: Row) => Promise<boolean>): Promise<Row> {
  for (let i = 0; i < 240; i++) {
    const current = await row(id);
    if (await done(current)) return current;
    const waitMs = current.next_run_at ? current.next_run_at.getTime() - Date.now() : 0;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 3000)));
    const result = await runQueue(bot, id);
    expect(result.retryMessages).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`task ${id} did not get there`);
}

function deliveryFailures(id: string) {
  return sql<{ detail: { message: string }; created_at: Date }[]>`
    select detail, created_at from task_events
    where task_id = ${id} and type = 'delivery_failed' order by id`;
}

async function chat(chatId: number): Promise<{ messages: FakeMessage[]; calls: RecordedCall[] }> {
  const state = await bot.fake.state();
  return {
    messages: state.messages.filter((m) => m.chatId === chatId),
    calls: state.calls.filter((c) => Number(c.params.chat_id) === chatId),
  };
}

async function photoTask(from: Person, caption: string) {
  const file = await bot.fake.addFile(jpeg);
  const update = photoUpdate({ from, fileId: file.file_id, caption });
  expect((await postUpdate(bot, update)).status).toBe(200);
  const [task] = await tasksOf(from);
  if (!task) throw new Error('no task was created');
  return { task, userMessageId: update.message.message_id };
}

describe('a photo through the local pipeline', () => {
  it('edits one status message through its states and sends the MP4 as a reply', async () => {
    const from = person();
    const { task, userMessageId } = await photoTask(from, 'the harbour at sunrise');
    const finished = await runUntil(task.id, async (t) => t.delivered_at !== null);
    expect(finished.status).toBe('completed');

    const { messages, calls } = await chat(from.id);
    const status = messages.find((m) => m.kind === 'text');
    expect(status?.texts[0]).toBe('Got it. Preparing…');
    expect(status?.texts[1]).toMatch(/^Queued\./);
    expect(status?.texts.some((t) => t.startsWith('Generating your video…'))).toBe(true);
    expect(status?.texts.slice(-2)).toEqual(['Uploading your video…', 'Done! Here is your video.']);

    const video = messages.find((m) => m.kind === 'video');
    expect(video).toMatchObject({
      caption: 'the harbour at sunrise',
      replyToMessageId: userMessageId,
    });
    expect(JSON.stringify(video?.replyMarkup)).toContain(`again:${task.id}`);
    expect(JSON.stringify(video?.replyMarkup)).toContain(`np:${task.id}`);

    const upload = calls.find((c) => c.method === 'sendVideo' && c.status === 200);
    const file = upload?.files.video;
    expect(file).toMatchObject({ contentType: 'video/mp4', size: Number(finished.output_bytes) });
    const info = await probe(await bot.fake.upload(file?.upload ?? -1));
    expect(info.codec).toBe('h264');
    expect(calls.filter((c) => c.method === 'sendVideo' && c.status === 200)).toHaveLength(1);
    expect(
      calls.some((c) => c.method === 'sendChatAction' && c.params.action === 'upload_video'),
    ).toBe(true);
  });

  it('honours a 429 retry_after in delivery and sends the video once, unregenerated', async () => {
    const from = person();
    await bot.fake.fail({ method: 'sendVideo', status: 429, retryAfter: 2, chatId: from.id });
    const { task } = await photoTask(from, 'a slow rate limit');

    await runUntil(task.id, async () => (await deliveryFailures(task.id)).length > 0);
    const [failure] = await deliveryFailures(task.id);
    expect(failure?.detail.message).toMatch(/^Telegram sendVideo 429/);
    const waiting = await row(task.id);
    expect(waiting.delivered_at).toBeNull();
    const delayMs = (waiting.next_run_at?.getTime() ?? 0) - (failure?.created_at.getTime() ?? 0);
    expect(delayMs).toBeGreaterThanOrEqual(1900);

    await runUntil(task.id, async (t) => t.delivered_at !== null);
    const { calls } = await chat(from.id);
    const sends = calls.filter((c) => c.method === 'sendVideo').map((c) => c.status);
    expect(sends).toEqual([429, 200]);
    const submitted = await sql`
      select 1 from task_events where task_id = ${task.id} and type = 'submitted'`;
    expect(submitted).toHaveLength(1);
  });

  it('runs a delivered video again from its button, with a copy of the same image', async () => {
    const from = person();
    const { task } = await photoTask(from, 'once more with feeling');
    await runUntil(task.id, async (t) => t.delivered_at !== null);
    const video = (await chat(from.id)).messages.find((m) => m.kind === 'video');

    await postUpdate(bot, callbackUpdate(from, `again:${task.id}`, video?.messageId ?? 0));
    const [first, second] = await tasksOf(from);
    expect(second?.prompt).toBe('once more with feeling');
    expect(second?.input_key).toMatch(/^inputs\//);
    expect(second?.input_key).not.toBe(first?.input_key);
    const answered = (await bot.fake.state()).calls.filter(
      (c) => c.method === 'answerCallbackQuery',
    );
    expect(answered.length).toBeGreaterThan(0);
  });

  it('makes a video from an album, from its first photo to its last', async () => {
    const from = person();
    const mediaGroupId = String(uniqueId());
    const firstId = uniqueId() % 100000;
    const photos = [
      { colour: 'red', caption: 'dusk falls' },
      { colour: 'lime' },
      { colour: 'blue' },
    ];
    const updates = await Promise.all(
      photos.map(async (photo, index) => {
        const file = await bot.fake.addFile(await solidImage('jpeg', photo.colour));
        const update = photoUpdate({
          from,
          fileId: file.file_id,
          messageId: firstId + index,
          ...(photo.caption ? { caption: photo.caption } : {}),
        });
        return { ...update, message: { ...update.message, media_group_id: mediaGroupId } };
      }),
    );
    await Promise.all(updates.reverse().map((update) => postUpdate(bot, update)));
    const [task, ...others] = await tasksOf(from);
    if (!task) throw new Error('no task was created');
    expect(others).toEqual([]);

    await runUntil(task.id, async (t) => t.delivered_at !== null);
    const { messages, calls } = await chat(from.id);
    expect(messages.find((m) => m.kind === 'video')).toMatchObject({
      caption: 'dusk falls',
      replyToMessageId: firstId,
    });
    const upload = calls.find((c) => c.method === 'sendVideo' && c.status === 200);
    const video = await bot.fake.upload(upload?.files.video?.upload ?? -1);
    const [r0, , b0] = await frameColor(video, 0);
    const [r1, , b1] = await frameColor(video, 4.9);
    // "Again" makes a new task from copies of both frames.
    const sent = messages.find((m) => m.kind === 'video');
    await postUpdate(bot, callbackUpdate(from, `again:${task.id}`, sent?.messageId ?? 0));
    const [again] = await sql<{ input_key: string; params: { lastFrame?: { key: string } } }[]>`
      select t.input_key, t.params from video_tasks t join users u on u.id = t.user_id
      where u.platform_user_id = ${String(from.id)} and t.id <> ${task.id}`;
    expect(again?.input_key).toMatch(/^inputs\//);
    expect(again?.params.lastFrame?.key).toMatch(/^inputs\//);
    expect({ r0, b0, r1, b1 }).toEqual({
      r0: expect.toSatisfy((v: number) => v > 200) as unknown,
      b0: expect.toSatisfy((v: number) => v < 60) as unknown,
      r1: expect.toSatisfy((v: number) => v < 60) as unknown,
      b1: expect.toSatisfy((v: number) => v > 200) as unknown,
    });
  });
});
