// The Discord interactions endpoint in workerd: signatures, the timestamp window, replays, PING,
// and what is refused before deferring (non-images, oversized files) or after (quotas, bans).
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSql } from '../helpers/database.ts';
import { callWorker } from './harness.ts';
import {
  discordKeys,
  discordSettings,
  fakeCalls,
  plainCommand,
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
afterAll(() => sql.end());

const ping = () => ({ id: snowflake(), application_id: '900000000000000001', type: 1, token: 't' });

describe('POST /discord/interactions: authenticity', () => {
  it('answers a signed PING with PONG', async () => {
    const response = await sendInteraction(keys, ping());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
  });

  it('refuses a body signed by another key with 401', async () => {
    const other = await discordKeys();
    const body = ping();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await other.sign(timestamp, JSON.stringify(body));
    const response = await sendInteraction(keys, body, { signature });
    expect(response.status).toBe(401);
  });

  it('refuses a request without signature headers with 401', async () => {
    const response = await callWorker(
      '/discord/interactions',
      { method: 'POST', body: JSON.stringify(ping()) },
      discordSettings(keys),
    );
    expect(response.status).toBe(401);
  });

  it('refuses a correctly signed request whose timestamp is six minutes old', async () => {
    const response = await sendInteraction(keys, ping(), { timestamp: Date.now() - 6 * 60_000 });
    expect(response.status).toBe(401);
    const fresh = await sendInteraction(keys, ping(), { timestamp: Date.now() - 4 * 60_000 });
    expect(fresh.status).toBe(200);
  });

  it('handles a replayed interaction once: the copy gets 409 and creates nothing', async () => {
    const userId = snowflake();
    const interaction = videoCommand({ userId }, { prompt: 'a replayed request', duration: 1 });
    const first = await sendInteraction(keys, interaction);
    const replay = await sendInteraction(keys, interaction);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { type: number }).type).toBe(5);
    expect(replay.status).toBe(409);
    expect(await tasksOf(sql, userId)).toHaveLength(1);
  });
});

describe('POST /discord/interactions: shape', () => {
  it('refuses a body over 1 MiB with 413 before checking its signature', async () => {
    const response = await callWorker(
      '/discord/interactions',
      { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) },
      discordSettings(keys),
    );
    expect(response.status).toBe(413);
  });

  it('answers an unknown command ephemerally instead of failing the interaction', async () => {
    const response = await sendInteraction(keys, plainCommand({ userId: snowflake() }, 'dance'));
    expect(await response.json()).toEqual({
      type: 4,
      data: { content: 'I do not know that command.', flags: 64, allowed_mentions: { parse: [] } },
    });
  });

  it('answers 404 when Discord is not configured on the deployment', async () => {
    const response = await callWorker(
      '/discord/interactions',
      { method: 'POST', body: '{}' },
      { DISCORD_PUBLIC_KEY: '' },
    );
    expect(response.status).toBe(404);
  });
});

describe('/video refusals', () => {
  it('refuses a PDF at once, ephemerally, without deferring or creating a task', async () => {
    const userId = snowflake();
    const pdf = new TextEncoder().encode('%PDF-1.7\n%%EOF');
    const attachment = await uploadAttachment(pdf, 'application/pdf', 'doc.pdf');
    const interaction = videoCommand({ userId }, { prompt: 'animate this', image: attachment });
    const response = await sendInteraction(keys, interaction);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      type: number;
      data: { flags: number; content: string };
    };
    expect(body.type).toBe(4);
    expect(body.data.flags & 64).toBe(64);
    expect(body.data.content).toMatch(/not a JPEG, PNG or WebP image \(application\/pdf\)/);
    expect(await tasksOf(sql, userId)).toHaveLength(0);
    expect(await fakeCalls({ token: interaction.token })).toEqual([]);
  });

  it('refuses a last frame without an image, ephemerally, creating nothing', async () => {
    const userId = snowflake();
    const png = await image('png', 64, 64);
    const attachment = await uploadAttachment(png, 'image/png', 'last.png');
    const interaction = videoCommand({ userId }, { prompt: 'fade', last_frame: attachment });
    const response = await sendInteraction(keys, interaction);
    const body = (await response.json()) as { type: number; data: { content: string } };
    expect(body.type).toBe(4);
    expect(body.data.content).toMatch(/needs an image to start from/);
    expect(await tasksOf(sql, userId)).toHaveLength(0);
  });

  it('refuses an image over the size limit, in the user’s language', async () => {
    const userId = snowflake();
    const attachment = {
      url: 'https://cdn.discordapp.com/attachments/1/2/huge.png',
      size: 30 * 1024 * 1024,
      content_type: 'image/png',
      filename: 'huge.png',
    };
    const interaction = videoCommand(
      { userId, locale: 'zh-CN' },
      { prompt: '动起来', image: attachment },
    );
    const body = (await (await sendInteraction(keys, interaction)).json()) as {
      type: number;
      data: { flags: number; content: string };
    };
    expect(body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(body.data.content).toBe('该图片大小为 30.0 MB，上限为 10 MB。');
    expect(await tasksOf(sql, userId)).toHaveLength(0);
  });

  it('tells a user whose quota is used up, ephemerally, and removes the placeholder', async () => {
    const userId = snowflake();
    await sql`
      insert into users (platform, platform_user_id, daily_limit)
      values ('discord', ${userId}, 0)`;
    const interaction = videoCommand({ userId }, { prompt: 'one more please', duration: 1 });
    const response = await sendInteraction(keys, interaction);
    expect(((await response.json()) as { type: number }).type).toBe(5);

    const calls = await fakeCalls({ token: interaction.token });
    expect(calls.map((call) => call.route)).toEqual(['followup', 'delete']);
    expect(calls[0]?.payload).toMatchObject({ flags: 64 });
    expect(JSON.stringify(calls[0]?.payload)).toMatch(/You have used your 0 videos for today/);
    expect(await tasksOf(sql, userId)).toHaveLength(0);
  });

  it('tells a banned user so, in Chinese when their client is', async () => {
    const userId = snowflake();
    await sql`
      insert into users (platform, platform_user_id, banned_at)
      values ('discord', ${userId}, now())`;
    const interaction = videoCommand({ userId, locale: 'zh-TW' }, { prompt: 'x', duration: 1 });
    await sendInteraction(keys, interaction);
    const [note] = await fakeCalls({ token: interaction.token });
    expect(note?.payload).toMatchObject({ content: '你已被禁止使用本机器人。', flags: 64 });
  });

  it('copies a real image into R2 before creating the task', async () => {
    const userId = snowflake();
    const png = await image('png', 320, 240);
    const attachment = await uploadAttachment(png, 'image/png', 'photo.png');
    const interaction = videoCommand({ userId }, { prompt: 'waves', image: attachment });
    await sendInteraction(keys, interaction);
    const [task] = await tasksOf(sql, userId);
    expect(task?.input_key).toMatch(/^inputs\/.+\.png$/);
    const { env } = await import('cloudflare:workers');
    const stored = await env.MEDIA.get(task?.input_key ?? '');
    expect(new Uint8Array(await (stored as R2ObjectBody).arrayBuffer())).toEqual(png);
    const [queued] = await fakeCalls({ token: interaction.token });
    expect(queued).toMatchObject({ route: 'edit', method: 'PATCH' });
    expect(JSON.stringify(queued?.payload)).toMatch(/Queued/);
    // Held while "queued" was shown, then released: due now, not when the hold runs out.
    const [due] = await sql<{ due: boolean }[]>`
      select coalesce(next_run_at, now()) <= now() + interval '2 seconds' as due
      from video_tasks where id = ${task?.id ?? ''}`;
    expect(due?.due).toBe(true);
  });

  it('stores a last frame beside the image when one is attached', async () => {
    const userId = snowflake();
    const png = await image('png', 320, 240);
    const jpeg = await image('jpeg', 320, 240);
    const interaction = videoCommand(
      { userId },
      {
        prompt: 'from one to the other',
        image: await uploadAttachment(png, 'image/png', 'first.png'),
        last_frame: await uploadAttachment(jpeg, 'image/jpeg', 'last.jpg'),
      },
    );
    await sendInteraction(keys, interaction);
    const [row] = await sql<{ params: { lastFrame?: { key: string } } }[]>`
      select t.params from video_tasks t join users u on u.id = t.user_id
      where u.platform = 'discord' and u.platform_user_id = ${userId}`;
    const { env } = await import('cloudflare:workers');
    const stored = await env.MEDIA.get(row?.params.lastFrame?.key ?? 'missing');
    expect(new Uint8Array(await (stored as R2ObjectBody).arrayBuffer())).toEqual(jpeg);
  });
});

describe('/quota, /status, /cancel', () => {
  it('answers /quota ephemerally with the daily and monthly use', async () => {
    const userId = snowflake();
    const interaction = plainCommand({ userId }, 'quota');
    const response = await sendInteraction(keys, interaction);
    expect(await response.json()).toEqual({ type: 5, data: { flags: 64 } });
    const [edit] = await fakeCalls({ token: interaction.token });
    expect((edit?.payload as { content: string }).content).toMatch(
      /^Today: 0\/\S+\. This month: 0\//,
    );
  });

  it('lists the latest tasks on /status and cancels the running one on /cancel', async () => {
    const userId = snowflake();
    await sendInteraction(keys, videoCommand({ userId }, { prompt: 'first idea', duration: 1 }));

    const status = plainCommand({ userId, where: 'dm' }, 'status');
    await sendInteraction(keys, status);
    const [listing] = await fakeCalls({ token: status.token });
    const text = (listing?.payload as { content: string }).content;
    expect(text).toContain('Your latest videos:');
    expect(text).toContain('**queued**');
    expect(text).toContain('first idea');

    const cancel = plainCommand({ userId }, 'cancel');
    await sendInteraction(keys, cancel);
    const [reply] = await fakeCalls({ token: cancel.token });
    expect((reply?.payload as { content: string }).content).toBe('Canceled: first idea');
    expect((await tasksOf(sql, userId)).map((task) => task.status)).toEqual(['canceled']);

    const again = plainCommand({ userId, locale: 'zh-CN' }, 'cancel');
    await sendInteraction(keys, again);
    const [none] = await fakeCalls({ token: again.token });
    expect((none?.payload as { content: string }).content).toBe('你没有正在生成的视频。');
  });
});
