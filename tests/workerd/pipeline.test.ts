// The whole local pipeline inside workerd: the REST API creates a task, the real queue handler
// advances it against the real local provider (ffmpeg), the MP4 lands in R2, and ffprobe reads
// it back as H.264 with the requested duration and aspect ratio.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../worker.ts';
import { testSql } from '../helpers/database.ts';
import { createTestUser, type TestUser } from '../helpers/users.ts';
import { bearer, callWorker } from './harness.ts';
import { frameColor, image, probe, solidImage } from './media.ts';

let sql: postgres.Sql;
beforeAll(() => {
  sql = testSql();
});
afterAll(() => sql.end());

interface Status {
  id: string;
  status: string;
  progress: number;
  output_video_url: string | null;
  error: { code: string; message: string } | null;
}

/** Delivers `{taskId}` to the Worker's queue handler, as Cloudflare Queues would. */
async function deliverMessage(taskId: string, attempts = 1) {
  const batch = createMessageBatch<{ taskId: string }>('reelbot-tasks', [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts, body: { taskId } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env }, ctx);
  return getQueueResult(batch, ctx);
}

async function status(user: TestUser, id: string): Promise<Status> {
  const response = await callWorker(`/api/task-status/${id}`, { headers: bearer(user.apiKey) });
  expect(response.status).toBe(200);
  return (await response.json()) as Status;
}

/** Wakes the task until it is finished, recording the states it showed. */
async function runToEnd(user: TestUser, id: string): Promise<{ final: Status; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < 240; i++) {
    const result = await deliverMessage(id);
    expect(result.retryMessages).toEqual([]);
    const current = await status(user, id);
    if (seen.at(-1) !== current.status) seen.push(current.status);
    if (['completed', 'failed', 'canceled'].includes(current.status))
      return { final: current, seen };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`task ${id} did not finish`);
}

async function downloadVideo(url: string): Promise<Response> {
  const link = new URL(url);
  return callWorker(`${link.pathname}${link.search}`);
}

describe('local pipeline', () => {
  it('turns an image and a prompt into a moving 9:16 H.264 MP4 of the asked duration', async () => {
    const user = await createTestUser(sql);
    const body = new FormData();
    body.append('prompt', 'the harbour at sunrise');
    body.append('image', new File([await image('jpeg', 800, 600)], 'harbour.jpg'));
    body.append('duration', '2');
    body.append('ratio', '9:16');
    const created = await callWorker('/api/generate-video', {
      method: 'POST',
      headers: bearer(user.apiKey),
      body,
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };

    const { final, seen } = await runToEnd(user, id);
    expect(final.error).toBeNull();
    expect(final).toMatchObject({ status: 'completed', progress: 100 });
    expect(seen).toContain('processing');

    const stored = await env.MEDIA.head(`outputs/${id}.mp4`);
    expect(stored?.httpMetadata?.contentType).toBe('video/mp4');

    const response = await downloadVideo(final.output_video_url ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    const video = new Uint8Array(await response.arrayBuffer());
    expect(video.byteLength).toBe(stored?.size);
    const info = await probe(video);
    expect(info.codec).toBe('h264');
    expect(Math.abs(info.durationSeconds - 2)).toBeLessThanOrEqual(0.5);
    expect(info.width / info.height).toBeCloseTo(9 / 16, 1);

    const events = await sql<{ type: string }[]>`
      select type from task_events where task_id = ${id} order by id`;
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['created', 'claimed', 'submitted', 'completed']),
    );
    expect(events.filter((e) => e.type === 'submitted')).toHaveLength(1);
  });

  it('starts on the image and ends on the last frame when both are sent', async () => {
    const user = await createTestUser(sql);
    const body = new FormData();
    body.append('prompt', 'day turns to night');
    body.append('image', new File([await solidImage('png', 'red')], 'day.png'));
    body.append('last_frame', new File([await solidImage('jpeg', 'blue')], 'night.jpg'));
    body.append('duration', '2');
    const created = await callWorker('/api/generate-video', {
      method: 'POST',
      headers: bearer(user.apiKey),
      body,
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const [row] = await sql<{ params: { lastFrame?: { key: string; contentType: string } } }[]>`
      select params from video_tasks where id = ${id}`;
    expect(row?.params.lastFrame?.contentType).toBe('image/jpeg');
    expect(await env.MEDIA.head(row?.params.lastFrame?.key ?? '')).not.toBeNull();

    const { final } = await runToEnd(user, id);
    expect(final.status).toBe('completed');
    const response = await downloadVideo(final.output_video_url ?? '');
    const video = new Uint8Array(await response.arrayBuffer());
    const [r0, , b0] = await frameColor(video, 0);
    const [r1, , b1] = await frameColor(video, 1.9);
    expect([r0 > 200, b0 < 60]).toEqual([true, true]);
    expect([b1 > 200, r1 < 60]).toEqual([true, true]);
  });

  it('turns a prompt alone into a 16:9 title-card video', async () => {
    const user = await createTestUser(sql);
    const created = await callWorker('/api/generate-video', {
      method: 'POST',
      headers: { ...bearer(user.apiKey), 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Hello, "world": 100% ready', duration: 3, ratio: '16:9' }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };

    const { final } = await runToEnd(user, id);
    expect(final.status).toBe('completed');
    const response = await downloadVideo(final.output_video_url ?? '');
    const info = await probe(new Uint8Array(await response.arrayBuffer()));
    expect(info.codec).toBe('h264');
    expect(Math.abs(info.durationSeconds - 3)).toBeLessThanOrEqual(0.5);
    expect(info.width / info.height).toBeCloseTo(16 / 9, 1);

    // Browsers seek with range requests; a forged signature is refused.
    const link = new URL(final.output_video_url ?? '');
    const ranged = await callWorker(`${link.pathname}${link.search}`, {
      headers: { range: 'bytes=0-99' },
    });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    link.searchParams.set('sig', 'AAAA');
    expect((await callWorker(`${link.pathname}${link.search}`)).status).toBe(403);
  });
});
