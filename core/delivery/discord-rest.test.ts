import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeDiscord,
  type FakeDiscord,
  type FakeDiscordScript,
  type RecordedCall,
} from '../../tests/fakes/discord-api.ts';
import { editOriginal, isExpiredToken, postChannelMessage } from './discord-replies.ts';
import { createDiscordRest } from './discord-rest.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(() => fake.close());
beforeEach(() => fetch(`${fake.url}/__control/reset`, { method: 'POST' }));

async function script(body: FakeDiscordScript) {
  await fetch(`${fake.url}/__control/script`, { method: 'POST', body: JSON.stringify(body) });
}

async function calls(): Promise<RecordedCall[]> {
  return (await (await fetch(`${fake.url}/__control/calls`)).json()) as RecordedCall[];
}

const ref = { applicationId: '1234', token: 'tok-en/with+odd=chars' };

function video(bytes: Uint8Array) {
  return {
    name: 'clip.mp4',
    contentType: 'video/mp4',
    size: bytes.byteLength,
    open: async () => new Blob([bytes]).stream(),
  };
}

describe('Discord REST client', () => {
  it('streams an upload as multipart payload_json + files[0] with its exact length', async () => {
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251);
    const rest = createDiscordRest({ apiBase: fake.apiBase });
    const result = await editOriginal(rest, ref, { content: 'done' }, video(bytes));
    expect(result.ok).toBe(true);

    const [call] = await calls();
    expect(call).toMatchObject({ route: 'edit', method: 'PATCH', token: ref.token });
    expect(call?.payload).toEqual({ content: 'done' });
    expect(call?.files).toEqual([
      {
        field: 'files[0]',
        filename: 'clip.mp4',
        contentType: 'video/mp4',
        size: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
    ]);
    expect(call?.chunked).toBe(false);
    expect(call?.contentLength).toBeGreaterThan(bytes.byteLength);
  });

  it('waits out a per-route 429 and retries, re-opening the file', async () => {
    await script({ rateLimits: [{ route: 'edit', retryAfter: 0.2 }] });
    const waits: number[] = [];
    const rest = createDiscordRest({
      apiBase: fake.apiBase,
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    const bytes = new Uint8Array(1000).fill(7);
    const result = await editOriginal(rest, ref, { content: 'x' }, video(bytes));
    expect(result.ok).toBe(true);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(190);
    const recorded = await calls();
    expect(recorded.map((call) => call.status)).toEqual([429, 200]);
    expect(recorded[1]?.files[0]?.size).toBe(1000);
  });

  it('returns a long global limit as retryAfterMs and holds every route back', async () => {
    await script({ rateLimits: [{ route: 'channel', retryAfter: 30, global: true }] });
    const rest = createDiscordRest({ apiBase: fake.apiBase, botToken: 'bot-token' });
    const first = await postChannelMessage(rest, '42', { content: 'hi' });
    expect(first).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterMs: 30_000 });

    const other = await editOriginal(rest, ref, { content: 'later' });
    expect(other).toMatchObject({ ok: false, retryable: true });
    expect(other.ok === false && other.retryAfterMs).toBeGreaterThan(29_000);
    expect(await calls()).toHaveLength(1);
  });

  it('reports an expired token as a final failure that does not name it', async () => {
    await script({ expiredTokens: [ref.token] });
    const rest = createDiscordRest({ apiBase: fake.apiBase });
    const result = await editOriginal(rest, ref, { content: 'x' });
    expect(result).toMatchObject({ ok: false, status: 401, retryable: false, code: 50027 });
    expect(result.ok === false && isExpiredToken(result)).toBe(true);
    expect(JSON.stringify(result)).not.toContain(ref.token);
  });

  it('sends the bot token only to bot routes, and refuses them without one', async () => {
    const withBot = createDiscordRest({ apiBase: fake.apiBase, botToken: 'bot-token' });
    await postChannelMessage(withBot, '42', { content: 'hi' });
    await editOriginal(withBot, ref, { content: 'x' });
    const [channel, edit] = await calls();
    expect(channel?.authorization).toBe('Bot bot-token');
    expect(edit?.authorization).toBeUndefined();

    const withoutBot = createDiscordRest({ apiBase: fake.apiBase });
    const refused = await postChannelMessage(withoutBot, '42', { content: 'hi' });
    expect(refused).toMatchObject({ ok: false, retryable: false });
    expect(await calls()).toHaveLength(2);
  });

  it('turns an unreachable Discord into a retryable failure', async () => {
    const rest = createDiscordRest({ apiBase: 'http://127.0.0.1:1/api/v10', timeoutMs: 2000 });
    const result = await editOriginal(rest, ref, { content: 'x' });
    expect(result).toMatchObject({ ok: false, retryable: true, message: 'Discord unreachable' });
  });
});
