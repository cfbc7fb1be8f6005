// Drives the Discord frontend inside workerd: interactions signed with a key pair made here,
// the Worker's fetch and queue handlers called directly, and the fake Discord API (on the Node
// side, tests/fakes/discord-api.ts) asked what it received.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type postgres from 'postgres';
import { expect } from 'vitest';
import worker from '../../worker.ts';
import type { FakeDiscordScript, RecordedCall } from '../fakes/discord-api.ts';
import { callWorker } from './harness.ts';

export const APPLICATION_ID = '900000000000000001';
export const BOT_TOKEN = 'workerd-discord-bot-token';
const encoder = new TextEncoder();
let counter = 0;

/** A snowflake-shaped id, unique in this run. */
export function snowflake(): string {
  const ms = BigInt(Date.now() - 1420070400000);
  return String((ms << 22n) + BigInt(++counter));
}

export interface DiscordKeys {
  publicHex: string;
  sign(timestamp: string, body: string): Promise<string>;
}

/** A fresh Ed25519 key pair: the public half plays the application's DISCORD_PUBLIC_KEY. */
export async function discordKeys(): Promise<DiscordKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  return {
    publicHex: hex(raw),
    async sign(timestamp, body) {
      const data = encoder.encode(timestamp + body);
      return hex(new Uint8Array(await crypto.subtle.sign('Ed25519', pair.privateKey, data)));
    },
  };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The Discord settings the Worker gets in these suites. The tasks table is the queue here: the
 * local Queue's own consumer runs with the project's bindings (no Discord settings), and would
 * otherwise advance these tasks behind the tests' back and deliver them nowhere.
 */
export function discordSettings(keys: DiscordKeys): Record<string, string> {
  return {
    QUEUE_DRIVER: 'postgres',
    DISCORD_APPLICATION_ID: APPLICATION_ID,
    DISCORD_PUBLIC_KEY: keys.publicHex,
    DISCORD_BOT_TOKEN: BOT_TOKEN,
    DISCORD_API_BASE: `${env.DISCORD_FAKE_URL}/api/v10`,
  };
}

/** POSTs a signed interaction to /discord/interactions. */
export async function sendInteraction(
  keys: DiscordKeys,
  interaction: unknown,
  options: { timestamp?: number; signature?: string } = {},
): Promise<Response> {
  const body = JSON.stringify(interaction);
  const timestamp = String(Math.floor((options.timestamp ?? Date.now()) / 1000));
  const signature = options.signature ?? (await keys.sign(timestamp, body));
  return callWorker(
    '/discord/interactions',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature-ed25519': signature,
        'x-signature-timestamp': timestamp,
      },
      body,
    },
    discordSettings(keys),
  );
}

export interface Invoker {
  userId: string;
  locale?: string;
  /** A guild channel (user in `member`) or a DM (user at the top level). */
  where?: 'guild' | 'dm';
  attachmentSizeLimit?: number;
}

function base(type: number, invoker: Invoker) {
  const user = { id: invoker.userId, username: `user${invoker.userId.slice(-4)}` };
  const inGuild = (invoker.where ?? 'guild') === 'guild';
  return {
    id: snowflake(),
    application_id: APPLICATION_ID,
    type,
    token: `itoken-${crypto.randomUUID()}`,
    version: 1,
    locale: invoker.locale ?? 'en-US',
    channel: { id: inGuild ? '700000000000000001' : '700000000000000002', type: inGuild ? 0 : 1 },
    attachment_size_limit: invoker.attachmentSizeLimit ?? 10 * 1024 * 1024,
    ...(inGuild ? { guild_id: '600000000000000001', member: { user, nick: null } } : { user }),
  };
}

export interface ImageOption {
  url: string;
  size: number;
  content_type: string;
  filename: string;
}

/** A `/video` command interaction. */
export function videoCommand(
  invoker: Invoker,
  options: {
    prompt: string;
    image?: ImageOption;
    last_frame?: ImageOption;
    duration?: number;
    ratio?: string;
    provider?: string;
  },
) {
  const attachments: Record<string, ImageOption & { id: string }> = {};
  const list: { name: string; type: number; value: string | number }[] = [
    { name: 'prompt', type: 3, value: options.prompt },
  ];
  for (const name of ['image', 'last_frame'] as const) {
    const file = options[name];
    if (!file) continue;
    const id = snowflake();
    attachments[id] = { id, ...file };
    list.push({ name, type: 11, value: id });
  }
  if (options.duration !== undefined)
    list.push({ name: 'duration', type: 4, value: options.duration });
  if (options.ratio) list.push({ name: 'ratio', type: 3, value: options.ratio });
  if (options.provider) list.push({ name: 'provider', type: 3, value: options.provider });
  return {
    ...base(2, invoker),
    data: {
      id: snowflake(),
      name: 'video',
      type: 1,
      options: list,
      ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}),
    },
  };
}

/** A command without options (`/quota`, `/status`, `/cancel`). */
export function plainCommand(invoker: Invoker, name: string) {
  return { ...base(2, invoker), data: { id: snowflake(), name, type: 1 } };
}

/** A button press on a message. */
export function buttonPress(invoker: Invoker, customId: string) {
  return {
    ...base(3, invoker),
    data: { custom_id: customId, component_type: 2 },
    message: { id: snowflake() },
  };
}

/** Puts a file on the fake CDN and describes it as Discord would in `resolved.attachments`. */
export async function uploadAttachment(
  bytes: Uint8Array,
  contentType: string,
  filename: string,
): Promise<ImageOption> {
  const response = await fetch(`${env.DISCORD_FAKE_URL}/__control/attachments`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: bytes,
  });
  const { url } = (await response.json()) as { url: string };
  return { url, size: bytes.byteLength, content_type: contentType, filename };
}

export async function scriptFake(script: FakeDiscordScript): Promise<void> {
  const response = await fetch(`${env.DISCORD_FAKE_URL}/__control/script`, {
    method: 'POST',
    body: JSON.stringify(script),
  });
  expect(response.status).toBe(200);
}

/** What the fake received for an interaction token, or in a channel. */
export async function fakeCalls(filter: { token?: string; channel?: string }) {
  const query = new URLSearchParams(filter as Record<string, string>);
  const response = await fetch(`${env.DISCORD_FAKE_URL}/__control/calls?${query}`);
  return (await response.json()) as RecordedCall[];
}

/** Runs the Worker's queue handler on `{taskId}`, as Cloudflare Queues would. */
export async function deliverMessage(keys: DiscordKeys, taskId: string) {
  const batch = createMessageBatch<{ taskId: string }>('reelbot-tasks', [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { taskId } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...discordSettings(keys) }, ctx);
  return getQueueResult(batch, ctx);
}

export interface TaskRow {
  id: string;
  status: string;
  prompt: string;
  input_key: string | null;
  output_key: string | null;
  output_bytes: number | null;
  delivered_at: Date | null;
  params: { duration: number; ratio: string };
}

/** The tasks of a Discord user, oldest first. */
export async function tasksOf(sql: postgres.Sql, discordUserId: string): Promise<TaskRow[]> {
  return sql<TaskRow[]>`
    select t.id, t.status, t.prompt, t.input_key, t.output_key, t.output_bytes, t.delivered_at,
           t.params
    from video_tasks t join users u on u.id = t.user_id
    where u.platform = 'discord' and u.platform_user_id = ${discordUserId}
    order by t.created_at`;
}

/** Wakes the task until it is finished and delivered. */
export async function runToDelivery(sql: postgres.Sql, keys: DiscordKeys, taskId: string) {
  for (let i = 0; i < 240; i++) {
    const result = await deliverMessage(keys, taskId);
    expect(result.retryMessages).toEqual([]);
    const [row] = await sql<{ status: string; delivered_at: Date | null }[]>`
      select status, delivered_at from video_tasks where id = ${taskId}`;
    if (row?.delivered_at) return row.status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`task ${taskId} was not delivered`);
}
