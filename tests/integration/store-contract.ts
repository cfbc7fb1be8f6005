// One suite that every store adapter passes: the same calls, the same answers, against the real
// SQL functions in supabase/migrations.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/crypto.ts';
import type { NewTask, TaskStore } from '../../core/store/task-store.ts';
import { testSql } from '../helpers/database.ts';
import { createTestUser, type TestUserOptions } from '../helpers/users.ts';

export interface StoreHarness {
  store: TaskStore;
  close(): Promise<void>;
}

const WORKER = 'worker-a';

function newTask(userId: string, extra: Partial<NewTask> = {}): NewTask {
  return {
    userId,
    source: 'api',
    prompt: 'a lighthouse at dusk',
    provider: 'local',
    params: { duration: 2, ratio: '16:9' },
    maxAttempts: 3,
    deadlineSeconds: 600,
    ...extra,
  };
}

/** Registers the contract tests for a store built by `open`. */
export function describeStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    let harness: StoreHarness;
    let store: TaskStore;
    let sql: postgres.Sql;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      sql = testSql();
    });
    afterAll(async () => {
      await harness.close();
      await sql.end();
    });

    const user = (options: TestUserOptions = {}) => createTestUser(sql, options);
    // Brings a task's next wake-up to now, as if its wait had passed.
    const due = (taskId: string) =>
      sql`update video_tasks set next_run_at = now() where id = ${taskId}`;

    async function created(userId: string, extra: Partial<NewTask> = {}) {
      const result = await store.createTask(newTask(userId, extra));
      if (!result.ok) throw new Error(`task not created: ${result.code}`);
      return result.task;
    }

    it('upserts users by platform and platform user id', async () => {
      const id = `tg-${crypto.randomUUID()}`;
      const first = await store.ensureUser('telegram', id, 'Ada');
      const second = await store.ensureUser('telegram', id);
      expect(second.id).toBe(first.id);
      expect(second.displayName).toBe('Ada');
      expect(second.locale).toBe('en');
    });

    it('creates a pending task with a created event and reads it back', async () => {
      const { userId } = await user();
      const task = await created(userId, {
        replyTarget: { kind: 'webhook', url: 'https://example.com/h' },
      });
      expect(task.status).toBe('pending');
      expect(task.attempts).toBe(0);
      expect(task.replyTarget).toEqual({ kind: 'webhook', url: 'https://example.com/h' });
      expect(task.nextRunAt).toBeInstanceOf(Date);
      expect(await store.getTask(task.id)).toEqual(task);
      expect(await store.getTask(task.id, (await user()).userId)).toBeNull();
      const events = await store.listTaskEvents(task.id);
      expect(events.map((e) => e.type)).toEqual(['created']);
    });

    it('answers a repeated idempotency key and body with its task, refuses another', async () => {
      const { userId } = await user();
      const first = await store.createTask(
        newTask(userId, { idempotencyKey: 'k1', requestHash: 'h1' }),
      );
      const again = await store.createTask(
        newTask(userId, { idempotencyKey: 'k1', requestHash: 'h1' }),
      );
      const other = await store.createTask(
        newTask(userId, { idempotencyKey: 'k1', requestHash: 'h2' }),
      );
      expect(first.ok && first.created).toBe(true);
      expect(again.ok && !again.created && first.ok && again.task.id === first.task.id).toBe(true);
      expect(other).toEqual({ ok: false, code: 'idempotency_conflict' });
      // Keys are per user: another user's identical key is a new task.
      const { userId: otherUser } = await user();
      const theirs = await store.createTask(
        newTask(otherUser, { idempotencyKey: 'k1', requestHash: 'h2' }),
      );
      expect(theirs.ok && theirs.created).toBe(true);
    });

    it('refuses over the daily limit with the reset time, and banned users', async () => {
      const { userId } = await user({ dailyLimit: 1 });
      await created(userId);
      const refused = await store.createTask(newTask(userId));
      expect(refused.ok).toBe(false);
      if (refused.ok || refused.code !== 'quota_exceeded')
        throw new Error('expected quota_exceeded');
      expect(refused.scope).toBe('daily');
      expect(refused.limit).toBe(1);
      const reset = new Date(refused.reset_at ?? 0);
      expect(reset.getUTCHours()).toBe(0);
      expect(reset.getTime()).toBeGreaterThan(Date.now());

      const banned = await user({ banned: true });
      expect(await store.createTask(newTask(banned.userId))).toEqual({ ok: false, code: 'banned' });
    });

    it('counts concurrent tasks and reports usage', async () => {
      const { userId } = await user({ concurrentLimit: 1 });
      await created(userId);
      const refused = await store.createTask(newTask(userId));
      expect(!refused.ok && refused.code === 'quota_exceeded' && refused.scope).toBe('concurrent');
      const usage = await store.getQuotaUsage(userId);
      expect(usage?.daily.used).toBe(1);
      expect(usage?.concurrent).toMatchObject({ used: 1, limit: 1, reset_at: null });
    });

    it('lets exactly one worker claim a task, and counts the attempt', async () => {
      const { userId } = await user();
      const task = await created(userId);
      const claims = await Promise.all([
        store.claimTask(task.id, 'w1', 60),
        store.claimTask(task.id, 'w2', 60),
        store.claimTask(task.id, 'w3', 60),
      ]);
      const winners = claims.filter((claim) => claim !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.status).toBe('processing');
      expect(winners[0]?.attempts).toBe(1);
    });

    it('holds a task created on hold until it is woken', async () => {
      const { userId } = await user();
      const task = await created(userId, { holdSeconds: 60 });
      expect(task.nextRunAt?.getTime()).toBeGreaterThan(Date.now() + 50_000);
      expect(await store.claimTask(task.id, 'w1', 60)).toBeNull();
      expect(await store.wakeTask(task.id, 0)).toBe(true);
      expect((await store.claimTask(task.id, 'w1', 60))?.status).toBe('processing');
    });

    it('walks a task through submission, progress, completion and delivery', async () => {
      const { userId } = await user();
      const task = await created(userId, {
        replyTarget: { kind: 'webhook', url: 'https://e.com/x' },
      });
      await store.claimTask(task.id, WORKER, 60);
      const submitted = await store.recordSubmission(task.id, WORKER, {
        provider: 'local',
        jobId: 'job-1',
        pollAfterMs: 1500,
      });
      expect(submitted?.providerJobId).toBe('job-1');
      expect(submitted?.leaseUntil).toBeNull();
      expect((submitted?.nextRunAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(500);

      // A poll is a new claim once the poll is due; it does not count as an attempt.
      expect(await store.claimTask(task.id, WORKER, 60)).toBeNull();
      await due(task.id);
      const polling = await store.claimTask(task.id, WORKER, 60);
      expect(polling?.attempts).toBe(1);
      const progressed = await store.recordProgress(task.id, WORKER, 40, 1000);
      expect(progressed?.progress).toBe(40);
      await due(task.id);
      await store.claimTask(task.id, WORKER, 60);
      // Progress never moves backwards.
      expect((await store.recordProgress(task.id, WORKER, 10, 1000))?.progress).toBe(40);

      await due(task.id);
      await store.claimTask(task.id, WORKER, 60);
      const done = await store.completeTask(task.id, WORKER, { key: 'outputs/x.mp4', bytes: 1234 });
      expect(done).toMatchObject({ status: 'completed', progress: 100, outputBytes: 1234 });
      expect(await store.markDelivered(task.id, WORKER)).toBe(true);
      expect(await store.markDelivered(task.id, WORKER)).toBe(false);
      const types = (await store.listTaskEvents(task.id)).map((e) => e.type);
      expect(types).toEqual([
        'created',
        'claimed',
        'submitted',
        'progress',
        'completed',
        'delivered',
      ]);
      expect(await store.claimTask(task.id, WORKER, 60)).toBeNull();
    });

    it('refuses steps from a worker that lost its lease', async () => {
      const { userId } = await user();
      const task = await created(userId);
      await store.claimTask(task.id, 'w1', 60);
      expect(
        await store.recordSubmission(task.id, 'w2', {
          provider: 'local',
          jobId: 'j',
          pollAfterMs: 1,
        }),
      ).toBeNull();
      expect(
        await store.failTask(task.id, 'w2', { code: 'x', message: 'x', retryable: false }),
      ).toBeNull();
    });

    it('reschedules retryable failures and refunds quota on final failure', async () => {
      const { userId } = await user({ dailyLimit: 1 });
      const task = await created(userId);
      await store.claimTask(task.id, WORKER, 60);
      const retrying = await store.failTask(task.id, WORKER, {
        code: 'provider_unavailable',
        message: 'down',
        retryable: true,
        delayMs: 4000,
      });
      expect(retrying?.status).toBe('processing');
      expect((retrying?.nextRunAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(3000);
      expect((await store.getQuotaUsage(userId))?.daily.used).toBe(1);

      // Not due for another 4 s: an early message claims nothing.
      expect(await store.claimTask(task.id, WORKER, 60)).toBeNull();
      await due(task.id);
      expect(await store.claimTask(task.id, WORKER, 60)).not.toBeNull();
      const failed = await store.failTask(task.id, WORKER, {
        code: 'safety_rejected',
        message: 'no',
        retryable: false,
      });
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'safety_rejected' });
      expect((await store.getQuotaUsage(userId))?.daily.used).toBe(0);
      // The refund lets the user create again.
      expect((await store.createTask(newTask(userId))).ok).toBe(true);
    });

    it('retries a failed task keeping its history, and cancels a running one', async () => {
      const { userId } = await user();
      const task = await created(userId);
      await store.claimTask(task.id, WORKER, 60);
      await store.failTask(task.id, WORKER, { code: 'x', message: 'x', retryable: false });
      const retried = await store.retryTask(task.id, 'admin@test');
      expect(retried).toMatchObject({
        status: 'pending',
        attempts: 0,
        errorCode: null,
        startedAt: null,
      });
      const canceled = await store.cancelTask(task.id, 'user');
      expect(canceled?.status).toBe('canceled');
      expect(await store.cancelTask(task.id, 'user')).toBeNull();
      const types = (await store.listTaskEvents(task.id)).map((e) => e.type);
      expect(types).toEqual(['created', 'claimed', 'failed', 'retried', 'canceled']);
    });

    it('lets the worker that reserved a task claim it, and no other', async () => {
      const { userId } = await user();
      const task = await created(userId);
      const reserved = await store.dequeueDue(1000, 60, 0, 'reserver');
      expect(reserved).toContain(task.id);
      expect(await store.claimTask(task.id, 'someone-else', 60)).toBeNull();
      expect((await store.claimTask(task.id, 'reserver', 60))?.status).toBe('processing');
    });

    it('reports overdue tasks to the sweeper without reserving them', async () => {
      const { userId } = await user();
      const task = await created(userId);
      await sql`update video_tasks set next_run_at = now() - interval '2 minutes'
        where id = ${task.id}`;
      expect(await store.dequeueDue(1000, 60, 60)).toContain(task.id);
      expect((await store.claimTask(task.id, WORKER, 60))?.id).toBe(task.id);
    });

    it('hands each due task to one caller of dequeue_due', async () => {
      const { userId } = await user();
      const tasks = await Promise.all([1, 2, 3, 4].map(() => created(userId)));
      const batches = await Promise.all(
        ['w1', 'w2', 'w3', 'w4'].map((worker) => store.dequeueDue(50, 60, 0, worker)),
      );
      const mine = batches.flat().filter((id) => tasks.some((task) => task.id === id));
      expect(mine.sort()).toEqual(tasks.map((task) => task.id).sort());
      expect(new Set(mine).size).toBe(mine.length);
    });

    it('fails tasks past their deadline and refunds them', async () => {
      const { userId } = await user();
      const task = await created(userId, { deadlineSeconds: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const expired = await store.expireOverdueTasks(1000);
      expect(expired).toContain(task.id);
      expect(await store.getTask(task.id)).toMatchObject({
        status: 'failed',
        errorCode: 'deadline_exceeded',
      });
    });

    it('finds API keys by hash and records processed updates once', async () => {
      const { userId } = await user();
      const hash = await sha256Hex(crypto.randomUUID());
      const key = await store.createApiKey(userId, 'k', hash, 'rb_aaaa');
      expect(await store.findApiKey(hash)).toEqual(key);
      expect(await store.findApiKey('b'.repeat(64))).toBeNull();
      const update = crypto.randomUUID();
      expect(await store.recordUpdate('telegram', update)).toBe(true);
      expect(await store.recordUpdate('telegram', update)).toBe(false);
    });

    it('collects an album, makes callers wait out its quiet time, lets one claim it', async () => {
      const album = { chatId: 1_000_000 + Math.floor(Math.random() * 1e9), mediaGroupId: 'g1' };
      const item = (messageId: number, prompt = '') => ({
        messageId,
        fileId: `file-${messageId}`,
        prompt,
        addressed: true,
      });
      // Recorded out of order; listed in the order the photos were sent.
      expect(await store.addAlbumItem(album, item(12))).toBe(true);
      expect(await store.addAlbumItem(album, item(11, 'a caption'))).toBe(true);
      expect(await store.albumItems(album)).toEqual([item(11, 'a caption'), item(12)]);

      const early = await store.claimAlbum(album, 60_000);
      expect(early.state).toBe('wait');
      if (early.state === 'wait') expect(early.wait_ms).toBeGreaterThan(50_000);

      const claims = await Promise.all([1, 2, 3, 4].map(() => store.claimAlbum(album, 0)));
      const won = claims.filter((claim) => claim.state === 'claimed');
      expect(won).toEqual([{ state: 'claimed', items: [item(11, 'a caption'), item(12)] }]);
      expect(claims.filter((claim) => claim.state === 'taken')).toHaveLength(3);

      // A photo arriving after the claim is not part of the album.
      expect(await store.addAlbumItem(album, item(13))).toBe(false);
      expect(await store.albumItems(album)).toHaveLength(2);
      expect(await store.claimAlbum({ ...album, mediaGroupId: 'unknown' }, 0)).toEqual({
        state: 'taken',
      });
    });
  });
}
