// The new-job form: a task made as the admin (platform "dashboard") through the task service,
// its image stored and the queue woken; then its files served to the admin.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSql } from '../../tests/helpers/database.ts';
import { makeImage } from '../../tests/helpers/media.ts';
import * as media from '../app/routes/media.$id.$kind.ts';
import * as newJob from '../app/routes/new.tsx';
import { body, call, createHarness, signIn, type RouteFunction } from './harness.ts';

let sql: postgres.Sql;
let cookie: string;
const harness = createHarness();
const fn = (value: unknown) => value as RouteFunction;
const created: string[] = [];

beforeAll(async () => {
  sql = testSql();
  cookie = await signIn(harness);
});
afterAll(async () => {
  // Off the due list: other suites' sweepers share this database.
  if (created.length > 0) {
    await sql`update video_tasks set status = 'canceled', next_run_at = null
      where id in ${sql(created)}`;
  }
  await sql.end();
});

describe('new job', () => {
  it('offers the enabled providers with what each can make', async () => {
    const data = (await call(harness, fn(newJob.loader), '/new', { cookie })) as {
      providers: { name: string; durations: number[] }[];
    };
    expect(data.providers.map((provider) => provider.name)).toContain('local');
  });

  it('creates a task as the admin from an image and a prompt', async () => {
    const form = new FormData();
    const image = await makeImage('png', 320, 240);
    form.set('image', new File([image], 'photo.png', { type: 'image/png' }));
    form.set('prompt', 'a slow zoom into the pattern');
    form.set('provider', 'local');
    form.set('duration', '2');
    form.set('ratio', '1:1');
    const before = harness.sent.length;

    const result = (await call(harness, fn(newJob.action), '/new', {
      cookie,
      body: form,
    })) as Response;
    expect(result.status).toBe(302);
    const id = /^\/jobs\/([0-9a-f-]{36})\?created=1$/.exec(
      result.headers.get('location') ?? '',
    )?.[1];
    expect(id).toBeDefined();
    created.push(id ?? '');
    await sql`update video_tasks set next_run_at = null where id = ${id ?? ''}`;

    const [row] = await sql<
      {
        source: string;
        platform: string;
        platform_user_id: string;
        input_key: string;
        params: object;
      }[]
    >`
      select t.source, u.platform, u.platform_user_id, t.input_key, t.params
      from video_tasks t join users u on u.id = t.user_id where t.id = ${id ?? ''}`;
    expect(row).toMatchObject({
      source: 'dashboard',
      platform: 'dashboard',
      platform_user_id: 'admin',
      params: { duration: 2, ratio: '1:1' },
    });
    expect(harness.media.objects.get(row?.input_key ?? '')?.bytes).toEqual(image);
    expect(harness.sent.slice(before)).toEqual([{ taskId: id }]);
    const [entry] = await sql<{ actor: string }[]>`
      select actor from admin_audit where action = 'task.create' and target_id = ${id ?? ''}`;
    expect(entry?.actor).toBe('admin');

    const file = (await call(harness, fn(media.loader), `/media/${id}/input`, {
      cookie,
      params: { id: id ?? '', kind: 'input' },
    })) as Response;
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(image);

    const part = (await call(harness, fn(media.loader), `/media/${id}/input`, {
      cookie,
      params: { id: id ?? '', kind: 'input' },
      headers: { range: 'bytes=0-9' },
    })) as Response;
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-9/${image.byteLength}`);
  });

  it('takes a last frame for a provider that has them, and serves it on the job page', async () => {
    const form = new FormData();
    const first = await makeImage('png', 320, 240);
    const last = await makeImage('jpeg', 320, 240);
    form.set('image', new File([first], 'first.png', { type: 'image/png' }));
    form.set('last_frame', new File([last], 'last.jpg', { type: 'image/jpeg' }));
    form.set('prompt', 'from one to the other');
    form.set('provider', 'local');
    form.set('duration', '2');

    const result = (await call(harness, fn(newJob.action), '/new', {
      cookie,
      body: form,
    })) as Response;
    expect(result.status).toBe(302);
    const id = /^\/jobs\/([0-9a-f-]{36})/.exec(result.headers.get('location') ?? '')?.[1] ?? '';
    created.push(id);
    await sql`update video_tasks set next_run_at = null where id = ${id}`;

    const file = (await call(harness, fn(media.loader), `/media/${id}/last`, {
      cookie,
      params: { id, kind: 'last' },
    })) as Response;
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(last);
  });

  it('says why a job was refused and creates nothing', async () => {
    const form = new FormData();
    form.set('image', new File([new TextEncoder().encode('not an image')], 'x.png'));
    form.set('prompt', 'anything');
    const [before] = await sql<{ count: number }[]>`select count(*)::int as count from video_tasks`;
    const result = await call(harness, fn(newJob.action), '/new', { cookie, body: form });
    expect((result as Response).status).toBe(400);
    expect(await body(result)).toMatchObject({ error: expect.any(String) });
    const [row] = await sql<{ count: number }[]>`
      select count(*)::int as count from video_tasks t join users u on u.id = t.user_id
      where u.platform = 'dashboard' and t.prompt = 'anything'`;
    expect(row?.count).toBe(0);
    expect(before?.count).toBeGreaterThan(0);
  });
});
