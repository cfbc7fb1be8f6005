// The Discord frontend end to end inside workerd, through the real local provider (ffmpeg):
// a signed /video in, the deferred reply, the reply edited through the states, and the video
// delivered to the fake Discord API as an attachment, as a link, or in the channel once the
// interaction token has expired; plus rate limits, the run-again and cancel buttons.
import { env } from 'cloudflare:workers';
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../fakes/discord-api.ts';
import { testSql } from '../helpers/database.ts';
import {
  BOT_TOKEN,
  buttonPress,
  deliverMessage,
  discordKeys,
  fakeCalls,
  runToDelivery,
  scriptFake,
  sendInteraction,
  snowflake,
  tasksOf,
  uploadAttachment,
  videoCommand,
  type DiscordKeys,
} from './discord-harness.ts';
import { image } from './media.ts';

let sql: postgres.Sql;
let keys: DiscordKeys;
beforeAll(async () => {
  sql = testSql();
  keys = await discordKeys();
});
afterEach(() => scriptFake({}));
afterAll(() => sql.end());

interface Payload {
  content?: string;
  embeds?: { url: string; description: string }[];
  components?: { components: { custom_id: string; label: string }[] }[];
  allowed_mentions?: unknown;
  nonce?: string;
}

const payload = (call: RecordedCall | undefined) => (call?.payload ?? {}) as Payload;
const contents = (calls: RecordedCall[]) => calls.map((call) => payload(call).content);

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function storedVideo(key: string | null) {
  const object = (await env.MEDIA.get(key ?? 'missing')) as R2ObjectBody | null;
  if (!object) throw new Error('no stored video');
  const bytes = await object.arrayBuffer();
  return { size: bytes.byteLength, sha256: await sha256(bytes) };
}

async function onlyTask(userId: string) {
  const tasks = await tasksOf(sql, userId);
  expect(tasks).toHaveLength(1);
  return tasks[0] as NonNullable<(typeof tasks)[0]>;
}

describe('a /video interaction, end to end', () => {
  it('defers, shows each state, then attaches the MP4 with a run-again button', async () => {
    const userId = snowflake();
    const png = await image('png', 320, 240);
    const attachment = await uploadAttachment(png, 'image/png', 'harbour.png');
    const interaction = videoCommand(
      { userId },
      { prompt: 'the harbour at dawn', image: attachment, duration: 1, ratio: '1:1' },
    );

    const response = await sendInteraction(keys, interaction);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 5 });
    const task = await onlyTask(userId);
    expect(task.params).toMatchObject({ duration: 1, ratio: '1:1' });

    expect(await runToDelivery(sql, keys, task.id)).toBe('completed');
    const calls = await fakeCalls({ token: interaction.token });
    expect(calls.every((call) => call.route === 'edit' && call.status === 200)).toBe(true);
    const seen = contents(calls);
    expect(seen[0]).toMatch(/^Queued\./);
    expect(seen).toContain('Uploading your video…');
    expect(seen.some((text) => text?.startsWith('Generating your video…'))).toBe(true);
    expect(seen.at(-1)).toBe('Done! Here is your video.');
    expect(payload(calls[0]).components?.[0]?.components[0]?.custom_id).toBe(
      `rb:cancel:${task.id}`,
    );

    const final = calls.at(-1);
    const [row] = await sql<{ output_key: string }[]>`
      select output_key from video_tasks where id = ${task.id}`;
    const stored = await storedVideo(row?.output_key ?? null);
    expect(final?.files).toEqual([
      expect.objectContaining({
        field: 'files[0]',
        contentType: 'video/mp4',
        size: stored.size,
        sha256: stored.sha256,
      }),
    ]);
    expect(final?.chunked).toBe(false);
    const button = payload(final).components?.[0]?.components[0];
    expect(button).toMatchObject({ label: 'Run again', custom_id: `rb:again:${task.id}` });

    // Someone else pressing "run again" is told no, and their placeholder is removed.
    const stranger = buttonPress({ userId: snowflake() }, `rb:again:${task.id}`);
    expect(await (await sendInteraction(keys, stranger)).json()).toEqual({ type: 5 });
    const refused = await fakeCalls({ token: stranger.token });
    expect(refused.map((call) => call.route)).toEqual(['followup', 'delete']);
    expect(payload(refused[0]).content).toBe(
      'Only the person who asked for this video can run it again.',
    );

    // The owner gets a new task with the same prompt, settings and image bytes.
    const again = buttonPress({ userId }, `rb:again:${task.id}`);
    await sendInteraction(keys, again);
    const tasks = await tasksOf(sql, userId);
    expect(tasks).toHaveLength(2);
    const rerun = tasks[1];
    expect(rerun).toMatchObject({ prompt: 'the harbour at dawn', status: 'pending' });
    expect(rerun?.params).toMatchObject({ duration: 1, ratio: '1:1' });
    const rerunImage = (await env.MEDIA.get(rerun?.input_key ?? '')) as R2ObjectBody;
    expect(new Uint8Array(await rerunImage.arrayBuffer())).toEqual(png);
    expect(contents(await fakeCalls({ token: again.token }))[0]).toMatch(/^Queued\./);
  });

  it('speaks Chinese in a DM and sends a video over the attachment limit as a link', async () => {
    const userId = snowflake();
    const interaction = videoCommand(
      { userId, locale: 'zh-CN', where: 'dm', attachmentSizeLimit: 1000 },
      { prompt: '你好，世界', duration: 1 },
    );
    await sendInteraction(keys, interaction);
    const task = await onlyTask(userId);
    expect(await runToDelivery(sql, keys, task.id)).toBe('completed');

    const calls = await fakeCalls({ token: interaction.token });
    const seen = contents(calls);
    expect(seen[0]).toMatch(/^已排队/);
    expect(seen).toContain('正在上传视频…');
    expect(seen.at(-1)).toBe('完成！这是你的视频。');
    const final = calls.at(-1);
    expect(final?.files).toEqual([]);
    const embed = payload(final).embeds?.[0];
    expect(embed?.url).toMatch(/^http:\/\/127\.0\.0\.1:8787\/media\//);
    expect(embed?.description).toBe('视频太大，无法在此附上。链接 1 小时内有效。');
    expect(payload(final).components?.[0]?.components[0]?.label).toBe('再来一次');
  });
});

describe('after the interaction token', () => {
  async function expectChannelPost(userId: string, taskId: string, from: number) {
    const posts = (await fakeCalls({ channel: '700000000000000001' })).filter(
      (call) => call.seq > from && payload(call).content?.startsWith(`<@${userId}>`),
    );
    expect(posts).toHaveLength(1);
    const post = posts[0];
    expect(post?.authorization).toBe(`Bot ${BOT_TOKEN}`);
    expect(payload(post).allowed_mentions).toEqual({ parse: [], users: [userId] });
    expect(payload(post).content).toContain('Done! Here is your video.');
    expect(payload(post).nonce).toBe(taskId.replaceAll('-', '').slice(0, 25));
    expect(post?.files[0]).toMatchObject({ contentType: 'video/mp4' });
  }

  async function lastSeq(): Promise<number> {
    const all = await fakeCalls({});
    return all.at(-1)?.seq ?? 0;
  }

  it('posts in the channel as the bot, mentioning the user, after 15 minutes', async () => {
    const userId = snowflake();
    const interaction = videoCommand({ userId }, { prompt: 'a slow one', duration: 1 });
    await sendInteraction(keys, interaction);
    const task = await onlyTask(userId);
    await sql`
      update video_tasks
      set reply_target = jsonb_set(
        reply_target, '{interactionAt}',
        to_jsonb((extract(epoch from now()) * 1000 - 16 * 60000)::bigint))
      where id = ${task.id}`;

    const from = await lastSeq();
    expect(await runToDelivery(sql, keys, task.id)).toBe('completed');
    // Only the "queued" edit was made while the token lived; nothing after.
    expect((await fakeCalls({ token: interaction.token })).map((call) => call.route)).toEqual([
      'edit',
    ]);
    await expectChannelPost(userId, task.id, from);
  });

  it('falls back to the channel too when Discord refuses the token early', async () => {
    const userId = snowflake();
    const interaction = videoCommand({ userId }, { prompt: 'token revoked', duration: 1 });
    await sendInteraction(keys, interaction);
    const task = await onlyTask(userId);
    await scriptFake({ expiredTokens: [interaction.token] });

    const from = await lastSeq();
    expect(await runToDelivery(sql, keys, task.id)).toBe('completed');
    const refusals = (await fakeCalls({ token: interaction.token })).filter(
      (call) => call.status === 401,
    );
    expect(refusals.length).toBeGreaterThan(0);
    await expectChannelPost(userId, task.id, from);
  });
});

describe('rate limits and buttons', () => {
  it('honours a global 429: delivery retried after retry_after, nothing regenerated', async () => {
    const userId = snowflake();
    const interaction = videoCommand({ userId }, { prompt: 'rate limited', duration: 1 });
    // Every edit meets the global limit: the "queued" and progress edits are skipped, and the
    // delivery is put off for retry_after instead of waiting 40 s inside the step.
    await scriptFake({ rateLimits: [{ route: 'edit', retryAfter: 40, global: true, count: 500 }] });
    await sendInteraction(keys, interaction);
    const task = await onlyTask(userId);

    for (let i = 0; i < 200; i++) {
      await deliverMessage(keys, task.id);
      const [row] = await sql<{ delivery_attempts: number }[]>`
        select delivery_attempts from video_tasks where id = ${task.id}`;
      if ((row?.delivery_attempts ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const [failed] = await sql<{ status: string; delivered_at: Date | null; wait: number }[]>`
      select status, delivered_at, extract(epoch from next_run_at - now())::float as wait
      from video_tasks where id = ${task.id}`;
    expect(failed).toMatchObject({ status: 'completed', delivered_at: null });
    expect(failed?.wait).toBeGreaterThan(35);

    await scriptFake({});
    // The 40 s are not waited out here: the retry is brought forward.
    await sql`update video_tasks set next_run_at = now() where id = ${task.id}`;
    expect(await runToDelivery(sql, keys, task.id)).toBe('completed');
    const events = await sql<{ type: string; detail: { message?: string } }[]>`
      select type, detail from task_events where task_id = ${task.id} order by id`;
    expect(events.filter((e) => e.type === 'delivery_failed')[0]?.detail.message).toBe(
      'Discord rate limit',
    );
    expect(events.filter((e) => e.type === 'submitted')).toHaveLength(1);
    expect(contents(await fakeCalls({ token: interaction.token })).at(-1)).toBe(
      'Done! Here is your video.',
    );
  });

  it('cancels from the button for its owner only, and the reply says so', async () => {
    const userId = snowflake();
    const interaction = videoCommand({ userId }, { prompt: 'never mind', duration: 1 });
    await sendInteraction(keys, interaction);
    const task = await onlyTask(userId);

    const stranger = buttonPress({ userId: snowflake() }, `rb:cancel:${task.id}`);
    expect(await (await sendInteraction(keys, stranger)).json()).toEqual({ type: 6 });
    expect(payload((await fakeCalls({ token: stranger.token }))[0])).toMatchObject({
      content: 'Only the person who asked for this video can cancel it.',
      flags: 64,
    });
    expect((await onlyTask(userId)).status).toBe('pending');

    const owner = buttonPress({ userId }, `rb:cancel:${task.id}`);
    expect(await (await sendInteraction(keys, owner)).json()).toEqual({ type: 6 });
    expect(await runToDelivery(sql, keys, task.id)).toBe('canceled');
    const final = (await fakeCalls({ token: interaction.token })).at(-1);
    expect(payload(final)).toMatchObject({ content: 'Canceled.', components: [] });
  });
});
