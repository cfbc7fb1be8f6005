// The task lifecycle against real Postgres and a fake provider over HTTP: at-least-once safety,
// provider faults, quota refunds, delivery, and the Node consumer working the table queue.
import type postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runConsumer } from '../../consumer/node-runner.ts';
import type { TaskService } from '../../core/tasks/service.ts';
import type { Task } from '../../core/tasks/task.ts';
import { createLocalProvider } from '../../core/providers/local.ts';
import type { Provider } from '../../core/providers/provider.ts';
import { registryOf } from '../../core/providers/registry.ts';
import { startFakeProvider, type FakeProvider, type FakeScript } from '../fakes/fake-provider.ts';
import { testSql } from '../helpers/database.ts';
import { makeImage } from '../helpers/media.ts';
import { createTestUser, type TestUserOptions } from '../helpers/users.ts';
import { startServiceHarness, type ServiceHarness } from './service-harness.ts';

let h: ServiceHarness;
let sql: postgres.Sql;
let png: Uint8Array;

beforeAll(async () => {
  h = await startServiceHarness();
  sql = testSql();
  png = await makeImage('png', 320, 240);
});
afterAll(async () => {
  await h.close();
  await sql.end();
});
beforeEach(() => {
  h.fake.reset();
  h.webhook.received.length = 0;
  h.webhook.failNext.length = 0;
});

async function newTask(
  prompt: string,
  options: { webhook?: boolean; user?: TestUserOptions; image?: boolean } = {},
) {
  const { userId } = await createTestUser(sql, options.user);
  const outcome = await h.service().create({
    userId,
    source: 'api',
    prompt,
    durationSeconds: 2,
    ratio: '1:1',
    ...(options.image === false ? {} : { image: { bytes: png } }),
    ...(options.webhook ? { replyTarget: { kind: 'webhook' as const, url: h.webhook.url } } : {}),
  });
  if (!outcome.ok) throw new Error(outcome.error.message);
  return { task: outcome.task, userId };
}

/** Advances until the task is finished and has nothing left to deliver. */
async function runToEnd(service: TaskService, taskId: string): Promise<Task> {
  for (let i = 0; i < 60; i++) {
    const outcome = await service.advance(taskId);
    if (outcome.kind === 'finished') break;
    if (outcome.kind === 'idle') {
      const task = await h.store.getTask(taskId);
      if (
        task &&
        task.nextRunAt === null &&
        ['completed', 'failed', 'canceled'].includes(task.status)
      ) {
        break;
      }
    }
    // Waits are asserted where they matter; here the next wake-up is simply brought forward.
    await makeDue(taskId);
  }
  const task = await h.store.getTask(taskId);
  if (!task) throw new Error('task vanished');
  return task;
}

async function makeDue(taskId: string): Promise<void> {
  await sql`
    update video_tasks set next_run_at = now() where id = ${taskId} and next_run_at > now()`;
}

async function events(taskId: string) {
  return h.store.listTaskEvents(taskId);
}

async function dailyUsed(userId: string) {
  return (await h.store.getQuotaUsage(userId))?.daily.used;
}

function script(s: FakeScript) {
  h.fake.script(s);
}

describe('a task held while its frontend shows it queued', () => {
  it('is neither woken nor claimable until released, then runs', async () => {
    const { userId } = await createTestUser(sql);
    const wakesBefore = h.wakes.length;
    const outcome = await h.service().create({
      userId,
      source: 'telegram',
      prompt: 'held back',
      durationSeconds: 2,
      ratio: '1:1',
      holdSeconds: 30,
    });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const { task } = outcome;
    expect(h.wakes.slice(wakesBefore)).toEqual([]);
    expect(task.nextRunAt?.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(await h.service('early-worker').advance(task.id)).toEqual({ kind: 'idle' });
    expect((await h.store.getTask(task.id))?.status).toBe('pending');

    await h.service().release(task.id);
    expect(h.wakes.slice(wakesBefore)).toEqual([{ taskId: task.id, delayMs: 0 }]);
    expect((await h.store.getTask(task.id))?.nextRunAt?.getTime()).toBeLessThanOrEqual(
      Date.now() + 1000,
    );
    expect((await runToEnd(h.service(), task.id)).status).toBe('completed');
  });
});

describe('at-least-once safety', () => {
  it('submits once when the same task is woken by three concurrent messages', async () => {
    const { task } = await newTask('three wake-ups');
    await Promise.all(
      [h.service('a'), h.service('b'), h.service('c')].map((s) => s.advance(task.id)),
    );
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
    expect(h.fake.stats().submissionsByTask[task.id]).toBe(1);
    const final = await runToEnd(h.service(), task.id);
    expect(final.status).toBe('completed');
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
  });

  it('resumes polling, without a second submission, after a consumer dies', async () => {
    const { task } = await newTask('dies after submitting');
    const first = h.service('doomed');
    expect((await first.advance(task.id)).kind).toBe('scheduled');
    await makeDue(task.id);
    // The doomed consumer claims the next step and dies holding the lease.
    expect(await h.store.claimTask(task.id, 'doomed', 30)).not.toBeNull();
    expect((await h.service('other').advance(task.id)).kind).toBe('idle');
    await sql`
      update video_tasks set lease_until = now() - interval '1 second' where id = ${task.id}`;

    const final = await runToEnd(h.service('survivor'), task.id);
    expect(final.status).toBe('completed');
    expect(h.fake.stats().submissionsByTask[task.id]).toBe(1);
  });

  it('starts no second provider job when a consumer died between submit and record', async () => {
    const { task } = await newTask('dies before recording');
    // The provider accepted the job, then the consumer died before storing its id.
    const provider = createLocalProvider({ baseUrl: h.fake.url });
    const lost = await provider.submit({
      taskId: task.id,
      idempotencyKey: task.id,
      prompt: task.prompt,
      durationSeconds: 2,
      ratio: '1:1',
    });
    expect(lost.ok).toBe(true);

    const final = await runToEnd(h.service(), task.id);
    expect(final.status).toBe('completed');
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
  });

  it('delivers the final status once, however often the task is woken afterwards', async () => {
    const { task } = await newTask('deliver once', { webhook: true });
    const final = await runToEnd(h.service(), task.id);
    expect(final.deliveredAt).toBeInstanceOf(Date);
    await Promise.all([1, 2, 3].map(() => h.service().advance(task.id)));
    expect(h.webhook.received).toHaveLength(1);
    const [delivery] = h.webhook.received;
    expect(delivery?.body).toMatchObject({ id: task.id, status: 'completed', error: null });
    expect(String(delivery?.body.output_video_url)).toContain(`/media/outputs/${task.id}.mp4`);
    expect(delivery?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('retries a failed delivery without regenerating the video', async () => {
    const { task } = await newTask('webhook down twice', { webhook: true });
    h.webhook.failNext.push(503, 502);
    const final = await runToEnd(h.service(), task.id);
    expect(final.deliveredAt).toBeInstanceOf(Date);
    expect(h.webhook.received).toHaveLength(3);
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
    const types = (await events(task.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'delivery_failed')).toHaveLength(2);
    expect(types.filter((t) => t === 'delivered')).toHaveLength(1);
  });
});

describe('provider faults', () => {
  it('retries 500s with growing backoff, then completes', async () => {
    script({ submits: [{ status: 500 }, { status: 502 }] });
    const { task } = await newTask('flaky provider');
    const final = await runToEnd(h.service(), task.id);
    expect(final.status).toBe('completed');
    expect(final.attempts).toBe(3);
    const failures = (await events(task.id)).filter((e) => e.type === 'provider_failed');
    const delays = failures.map((e) => Number(e.detail.delay_ms));
    expect(failures.map((e) => e.detail.code)).toEqual([
      'provider_unavailable',
      'provider_unavailable',
    ]);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    script({ submits: [{ status: 429, retryAfter: 7 }] });
    const { task } = await newTask('rate limited');
    await h.service().advance(task.id);
    const failed = (await events(task.id)).find((e) => e.type === 'provider_failed');
    expect(failed?.detail).toMatchObject({ code: 'rate_limited', delay_ms: 7000 });
    expect(h.wakes.at(-1)).toEqual({ taskId: task.id, delayMs: 7000 });
    const stored = await h.store.getTask(task.id);
    expect((stored?.nextRunAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(5000);
    expect((await runToEnd(h.service(), task.id)).status).toBe('completed');
  });

  it('treats a timeout as retryable and never duplicates the job it may have started', async () => {
    script({ submits: [{ delayMs: 3000 }] });
    const { task } = await newTask('slow submit');
    await h.service().advance(task.id);
    expect((await events(task.id)).at(-1)?.detail.code).toBe('provider_timeout');
    const final = await runToEnd(h.service(), task.id);
    expect(final.status).toBe('completed');
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
  });

  it('re-polls after a malformed JSON answer', async () => {
    script({ polls: [{ malformed: true }] });
    const { task } = await newTask('garbled poll');
    const final = await runToEnd(h.service(), task.id);
    expect(final.status).toBe('completed');
    expect((await events(task.id)).some((e) => e.detail.code === 'provider_bad_response')).toBe(
      true,
    );
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
  });

  it('fails a safety rejection at once, says why, refunds quota and tells the origin', async () => {
    const prompt = 'something forbidden';
    script({ prompts: { [prompt]: { submit: { status: 400, code: 'safety_rejected' } } } });
    const { task, userId } = await newTask(prompt, { webhook: true, user: { dailyLimit: 3 } });
    expect(await dailyUsed(userId)).toBe(1);
    const final = await runToEnd(h.service(), task.id);
    expect(final).toMatchObject({ status: 'failed', errorCode: 'safety_rejected', attempts: 1 });
    expect(final.errorMessage).toMatch(/safety/i);
    expect(await dailyUsed(userId)).toBe(0);
    expect(h.webhook.received[0]?.body).toMatchObject({
      status: 'failed',
      error: { code: 'safety_rejected' },
    });
  });

  it('gives up after max attempts with a clear error when the provider stays down', async () => {
    script({ submits: [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }] });
    const { task, userId } = await newTask('provider down for good');
    const final = await runToEnd(h.service(), task.id);
    expect(final).toMatchObject({
      status: 'failed',
      errorCode: 'provider_unavailable',
      attempts: 3,
    });
    expect(final.nextRunAt).toBeNull();
    expect(await dailyUsed(userId)).toBe(0);
  });

  it('makes the video again when the result URL expired before it was copied', async () => {
    script({ downloads: [{ status: 410 }] });
    const { task } = await newTask('expired result');
    const final = await runToEnd(h.service(), task.id);
    expect(final.status).toBe('completed');
    expect((await events(task.id)).some((e) => e.detail.code === 'result_expired')).toBe(true);
    expect(h.fake.stats().jobs).toBe(2);
    const stored = await h.objects.get(`outputs/${task.id}.mp4`);
    expect(stored?.size).toBeGreaterThan(1000);
  });

  it('refuses a download that is no MP4, keeps none of it, then copies the real one', async () => {
    script({ downloads: [{ malformed: true }] });
    const { task } = await newTask('not a video');
    let sawGarbage = false;
    for (let i = 0; i < 20 && !sawGarbage; i++) {
      await h.service().advance(task.id);
      await makeDue(task.id);
      sawGarbage = (await events(task.id)).some((e) => e.detail.code === 'provider_bad_response');
    }
    expect(sawGarbage).toBe(true);
    expect(await h.objects.head(`outputs/${task.id}.mp4`)).toBeNull();

    const final = await runToEnd(h.service(), task.id);
    expect(final.status).toBe('completed');
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
    const stored = await h.objects.get(`outputs/${task.id}.mp4`, { offset: 4, length: 4 });
    expect(new TextDecoder().decode(await new Response(stored?.body).arrayBuffer())).toBe('ftyp');
  });

  it('leaves no task unfinished across every fault', async () => {
    const [row] = await sql<{ count: number }[]>`
      select count(*)::int as count from video_tasks t join users u on u.id = t.user_id
      where t.status in ('pending', 'processing') and t.prompt in (
        'flaky provider', 'rate limited', 'slow submit', 'garbled poll', 'something forbidden',
        'provider down for good', 'expired result', 'not a video')`;
    expect(row?.count).toBe(0);
  });
});

describe('creation refuses unsafe image URLs', () => {
  it('refuses a public URL redirecting to a private address, leaving nothing behind', async () => {
    const { userId } = await createTestUser(sql);
    const redirecting: typeof fetch = async () =>
      new Response(null, { status: 302, headers: { location: 'https://169.254.169.254/latest' } });
    const service = h.service(undefined, {
      fetch: redirecting,
      resolveHost: async () => ['93.184.216.34'],
    });
    const outcome = await service.create({
      userId,
      source: 'api',
      prompt: 'from a url',
      image: { url: 'https://images.example.com/cat.png' },
    });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe('blocked_url');
    const [row] = await sql<{ count: number }[]>`
      select count(*)::int as count from video_tasks where user_id = ${userId}`;
    expect(row?.count).toBe(0);
    expect(await dailyUsed(userId)).toBe(0);
  });
});

describe('Node consumer', () => {
  it('two consumers side by side finish every task exactly once', async () => {
    const tasks = await Promise.all(
      ['one', 'two', 'three', 'four', 'five', 'six'].map((p) => newTask(`side by side ${p}`)),
    );
    const controller = new AbortController();
    const consumers = ['left', 'right'].map((name) =>
      runConsumer({
        service: h.service(name),
        store: h.store,
        workerId: name,
        concurrency: 3,
        reserveSeconds: 30,
        idleDelayMs: 50,
        signal: controller.signal,
      }),
    );

    const ids = tasks.map(({ task }) => task.id);
    const deadline = Date.now() + 60_000;
    let finished: Task[] = [];
    while (Date.now() < deadline) {
      finished = (await Promise.all(ids.map((id) => h.store.getTask(id)))).filter(
        (task): task is Task => task?.status === 'completed',
      );
      if (finished.length === ids.length) break;
      // Polls are due after the provider's interval; pull them forward to keep the test short.
      await sql`
        update video_tasks set next_run_at = now()
        where id = any(${ids}) and lease_until is null and status = 'processing'`;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    controller.abort();
    await Promise.all(consumers);

    expect(finished).toHaveLength(ids.length);
    for (const id of ids) expect(h.fake.stats().jobsByTask[id]).toBe(1);
  });
});

describe('failover', () => {
  let backup: FakeProvider;
  const named = (name: string, baseUrl: string): Provider => ({
    ...createLocalProvider({ baseUrl, timeoutMs: 1500 }),
    name,
  });
  const failoverService = () =>
    h.service(undefined, {
      providers: registryOf(
        new Map([
          ['primary', named('primary', h.fake.url)],
          ['backup', named('backup', backup.url)],
        ]),
        'primary',
      ),
    });
  const failoverTask = async (prompt: string) => {
    const { userId } = await createTestUser(sql);
    const outcome = await failoverService().create({
      userId,
      source: 'api',
      prompt,
      durationSeconds: 2,
      ratio: '1:1',
      image: { bytes: png },
    });
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.task;
  };

  beforeAll(async () => {
    backup = await startFakeProvider();
  });
  afterAll(() => backup.close());
  beforeEach(() => backup.reset());

  it('moves a task to the next provider when the first is down, and records it', async () => {
    script({ submits: [{ status: 503 }] });
    const task = await failoverTask('primary is down');

    const final = await runToEnd(failoverService(), task.id);

    expect(final).toMatchObject({ status: 'completed', provider: 'backup' });
    expect(h.fake.stats().jobs).toBe(0);
    expect(backup.stats().jobsByTask[task.id]).toBe(1);
    const failover = (await events(task.id)).find((e) => e.type === 'failover');
    expect(failover?.detail).toMatchObject({
      from: 'primary',
      to: 'backup',
      code: 'provider_unavailable',
    });
  });

  it('fails over on a 429 too, without waiting out the Retry-After', async () => {
    script({ submits: [{ status: 429, retryAfter: 600 }] });
    const task = await failoverTask('primary is rate limited');

    const final = await runToEnd(failoverService(), task.id);

    expect(final).toMatchObject({ status: 'completed', provider: 'backup' });
    expect((await events(task.id)).map((e) => e.type)).toContain('failover');
  });

  it('does not fail over a final failure such as a safety rejection', async () => {
    const prompt = 'forbidden on primary';
    script({ prompts: { [prompt]: { submit: { status: 400, code: 'safety_rejected' } } } });
    const task = await failoverTask(prompt);

    const final = await runToEnd(failoverService(), task.id);

    expect(final).toMatchObject({
      status: 'failed',
      errorCode: 'safety_rejected',
      provider: 'primary',
    });
    expect(backup.stats().submissions).toBe(0);
  });

  it('does not fail over a timeout, which may have started a paid job', async () => {
    script({ submits: [{ delayMs: 3000 }] });
    const task = await failoverTask('primary is slow');

    const final = await runToEnd(failoverService(), task.id);

    expect(final).toMatchObject({ status: 'completed', provider: 'primary' });
    expect(backup.stats().submissions).toBe(0);
    expect(h.fake.stats().jobsByTask[task.id]).toBe(1);
  });

  it('records an estimated cost at creation, queryable per provider and per user', async () => {
    const service = h.service(undefined, {
      config: { ...h.config, PROVIDER_COSTS: '{"local":{"*":0.02}}' },
    });
    const { userId } = await createTestUser(sql);
    const outcome = await service.create({
      userId,
      source: 'api',
      prompt: 'priced',
      durationSeconds: 2,
      ratio: '1:1',
    });
    if (!outcome.ok) throw new Error(outcome.error.message);

    expect((await h.store.getTask(outcome.task.id))?.costUsd).toBeCloseTo(0.04);
    await runToEnd(service, outcome.task.id);
    const from = new Date(Date.now() - 60_000);
    const to = new Date(Date.now() + 60_000);
    const byProvider = await h.store.providerCostTotals(from, to);
    const byUser = await h.store.userCostTotals(from, to, 500);
    expect(byProvider.find((row) => row.provider === 'local')?.cost_usd).toBeGreaterThanOrEqual(
      0.04,
    );
    expect(byUser.find((row) => row.user_id === userId)).toMatchObject({
      tasks: 1,
      completed: 1,
      cost_usd: 0.04,
    });
  });
});
