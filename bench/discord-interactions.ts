/**
 * How quickly the Discord endpoint answers: the time from a signed interaction arriving to the
 * deferred response leaving, for 2,000 `/video` interactions (each with an image attachment to
 * validate) sent by 100 concurrent users, in-process through a Hono app running the real
 * handler (signature check, timestamp window, parsing, dedupe, validation, response body).
 * Discord gives an app 3 seconds to answer; the share of that budget is printed too.
 *
 * The dedupe store is in memory here; deployed, `record_update` adds one database round trip
 * (Hyperdrive or Supabase), which the figures do not include.
 */
import { Hono } from 'hono';
import { handleInteraction } from '../bots/discord/interactions.ts';
import { percentile } from './support/stats.ts';

const INTERACTIONS = 2000;
const USERS = 100;
const BUDGET_MS = 3000;

interface Signed {
  body: string;
  signature: string;
  timestamp: string;
}

async function keyPair() {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicHex: Buffer.from(raw).toString('hex') };
}

function videoInteraction(index: number) {
  const userId = String(100_000_000_000_000_000n + BigInt(index % USERS));
  const attachmentId = String(200_000_000_000_000_000n + BigInt(index));
  return {
    id: String(300_000_000_000_000_000n + BigInt(index)),
    application_id: '400000000000000000',
    type: 2,
    token: `bench-token-${index}`,
    locale: index % 2 ? 'zh-CN' : 'en-US',
    guild_id: '500000000000000000',
    channel: { id: '600000000000000000', type: 0 },
    member: { user: { id: userId, username: `user${index % USERS}` } },
    attachment_size_limit: 10 * 1024 * 1024,
    data: {
      name: 'video',
      type: 1,
      options: [
        { name: 'prompt', type: 3, value: `a lighthouse in a storm, take ${index}` },
        { name: 'image', type: 11, value: attachmentId },
        { name: 'duration', type: 4, value: 5 },
      ],
      resolved: {
        attachments: {
          [attachmentId]: {
            id: attachmentId,
            filename: 'photo.jpg',
            size: 800_000,
            content_type: 'image/jpeg',
            url: 'https://cdn.discordapp.com/attachments/1/2/photo.jpg',
          },
        },
      },
    },
  };
}

/** Runs the benchmark and prints its figures. */
export async function runDiscordBench(): Promise<void> {
  const { privateKey, publicHex } = await keyPair();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signed: Signed[] = [];
  for (let i = 0; i < INTERACTIONS; i++) {
    const body = JSON.stringify(videoInteraction(i));
    const signature = await crypto.subtle.sign(
      'Ed25519',
      privateKey,
      new TextEncoder().encode(timestamp + body),
    );
    signed.push({ body, signature: Buffer.from(signature).toString('hex'), timestamp });
  }

  const seen = new Set<string>();
  const deps = {
    publicKey: publicHex,
    maxImageBytes: 10 * 1024 * 1024,
    recordInteraction: async (id: string) => !seen.has(id) && Boolean(seen.add(id)),
    now: Date.now,
  };
  // The background work (download, task creation) runs after the response; not timed here.
  const app = new Hono();
  app.post(
    '/discord/interactions',
    async (c) => (await handleInteraction(c.req.raw, deps)).response,
  );

  const send = async (item: Signed) => {
    const started = performance.now();
    const response = await app.request('/discord/interactions', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature-ed25519': item.signature,
        'x-signature-timestamp': item.timestamp,
      },
      body: item.body,
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200 || !text.includes('"type":5')) {
      throw new Error(`unexpected answer ${response.status}: ${text}`);
    }
    return elapsed;
  };

  // Warm up the key import and the JIT; then one at a time, the cost of a single answer.
  for (const item of signed.slice(0, 50)) await send(item).catch(() => undefined);
  seen.clear();
  const alone: number[] = [];
  for (const item of signed.slice(0, 200)) alone.push(await send(item));
  alone.sort((a, b) => a - b);
  seen.clear();

  const latencies: number[] = [];
  let next = 0;
  const startedAll = performance.now();
  await Promise.all(
    Array.from({ length: USERS }, async () => {
      while (next < signed.length) {
        const item = signed[next++];
        if (item) latencies.push(await send(item));
      }
    }),
  );
  const wallMs = performance.now() - startedAll;

  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const rows: [string, string][] = [
    ['interactions', String(latencies.length)],
    ['concurrent users', String(USERS)],
    ['p50 (ms)', p50.toFixed(2)],
    ['p99 (ms)', p99.toFixed(2)],
    ['max (ms)', (latencies.at(-1) ?? NaN).toFixed(2)],
    ['p50 one at a time (ms)', percentile(alone, 50).toFixed(2)],
    ['throughput (/s)', ((latencies.length / wallMs) * 1000).toFixed(0)],
    ['p50 share of 3 s budget', `${((p50 / BUDGET_MS) * 100).toFixed(3)}%`],
    ['p99 share of 3 s budget', `${((p99 / BUDGET_MS) * 100).toFixed(3)}%`],
  ];
  console.log('Discord interactions: signed /video in -> deferred response out (in-process)');
  for (const [name, value] of rows) console.log(`  ${name.padEnd(26)} ${value}`);
}
