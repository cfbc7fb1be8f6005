import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeDiscord,
  type FakeDiscord,
  type FakeDiscordScript,
  type RecordedCall,
} from '../../tests/fakes/discord-api.ts';
import type { Task } from '../tasks/task.ts';
import type { DeliveryContext } from './delivery.ts';
import { createDiscordDeliverer } from './discord.ts';
import type { DiscordTarget } from './discord-target.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(() => fake.close());
beforeEach(() => fetch(`${fake.url}/__control/reset`, { method: 'POST' }));

const NOW = 1_900_000_000_000;

async function script(body: FakeDiscordScript) {
  await fetch(`${fake.url}/__control/script`, { method: 'POST', body: JSON.stringify(body) });
}

async function calls(): Promise<RecordedCall[]> {
  return (await (await fetch(`${fake.url}/__control/calls`)).json()) as RecordedCall[];
}

function target(overrides: Partial<DiscordTarget> = {}): DiscordTarget {
  return {
    kind: 'discord',
    applicationId: '11',
    token: 'interaction-token',
    interactionAt: NOW - 60_000,
    channelId: '22',
    guildId: '33',
    userId: '44',
    locale: 'en',
    attachmentSizeLimit: 1000,
    ...overrides,
  };
}

function task(overrides: Partial<Task> = {}): Task {
  const at = new Date(NOW);
  return {
    id: '0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9',
    userId: 'u',
    status: 'completed',
    inputImageUrl: null,
    outputVideoUrl: null,
    prompt: 'a fox',
    createdAt: at,
    updatedAt: at,
    source: 'discord',
    replyTarget: target(),
    provider: 'local',
    model: null,
    params: { duration: 1, ratio: '16:9' },
    providerJobId: 'job',
    attempts: 1,
    submissionRound: 0,
    maxAttempts: 3,
    nextRunAt: null,
    leaseUntil: null,
    progress: 100,
    errorCode: null,
    errorMessage: null,
    inputKey: null,
    outputKey: 'outputs/x.mp4',
    outputBytes: 600,
    costUsd: null,
    deadlineAt: at,
    deliveryAttempts: 0,
    startedAt: at,
    completedAt: at,
    deliveredAt: null,
    ...overrides,
  };
}

const video = new Uint8Array(600).fill(1);
const context: DeliveryContext = {
  videoUrl: 'https://media.example/outputs/x.mp4?sig=abc',
  openVideo: async () => ({ body: new Blob([video]).stream(), size: video.byteLength }),
};

function deliverer(botToken?: string) {
  return createDiscordDeliverer({
    apiBase: fake.apiBase,
    botToken,
    linkTtlSeconds: 7200,
    now: () => NOW,
  });
}

describe('Discord deliverer', () => {
  it('sends the link instead when Discord refuses the upload as too large', async () => {
    await script({ maxUploadBytes: 100 });
    expect(await deliverer().deliver(task(), context)).toEqual({ ok: true });
    const [upload, link] = await calls();
    expect(upload).toMatchObject({ route: 'edit', status: 413 });
    expect(link?.files).toEqual([]);
    expect(link?.payload).toMatchObject({
      embeds: [
        { url: context.videoUrl, description: 'Too large to attach here. The link works for 2 h.' },
      ],
    });
  });

  it('explains a failure in the user’s language, with a run-again button', async () => {
    const failed = task({
      status: 'failed',
      errorCode: 'safety_rejected',
      replyTarget: target({ locale: 'zh' }),
    });
    expect(await deliverer().deliver(failed, context)).toEqual({ ok: true });
    const [edit] = await calls();
    expect(edit?.payload).toMatchObject({
      content: '抱歉，视频生成失败：服务商出于安全原因拒绝了该提示词或图片。',
      components: [{ components: [{ label: '再来一次', custom_id: `rb:again:${failed.id}` }] }],
    });
  });

  it('edits no progress once the token is past its life', async () => {
    const late = task({
      status: 'processing',
      replyTarget: target({ interactionAt: NOW - 15 * 60_000 }),
    });
    await deliverer('bot').progress?.(late, 'generating');
    expect(await calls()).toEqual([]);
  });

  it('gives up (not retryable) when the token expired and no bot token is set', async () => {
    const expired = task({ replyTarget: target({ interactionAt: NOW - 20 * 60_000 }) });
    const result = await deliverer().deliver(expired, context);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(await calls()).toEqual([]);
  });

  it('refuses a task whose reply target is not a valid Discord one', async () => {
    const broken = task({ replyTarget: { kind: 'discord', token: 'x' } });
    expect(await deliverer().deliver(broken, context)).toMatchObject({
      ok: false,
      retryable: false,
    });
  });
});
