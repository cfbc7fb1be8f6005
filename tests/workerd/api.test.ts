// The REST API in workerd: authentication, validation, idempotency, quotas and status reads.
// Bad input must leave nothing behind: no task row, no stored object, no quota used.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSql } from '../helpers/database.ts';
import { createTestUser, type TestUser } from '../helpers/users.ts';
import { bearer, callWorker, listKeys } from './harness.ts';
import { image } from './media.ts';

let sql: postgres.Sql;
let png: Uint8Array;

beforeAll(async () => {
  sql = testSql();
  png = await image('png', 320, 240);
});
afterAll(() => sql.end());

function form(fields: Record<string, string | Blob>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return body;
}

function postVideo(user: TestUser, body: BodyInit, headers: Record<string, string> = {}) {
  return callWorker('/api/generate-video', {
    method: 'POST',
    headers: { ...bearer(user.apiKey), ...headers },
    body,
  });
}

function postJson(user: TestUser, body: unknown, headers: Record<string, string> = {}) {
  return postVideo(user, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

async function taskCount(userId: string): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from video_tasks where user_id = ${userId}`;
  return row?.count ?? -1;
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}

describe('authentication', () => {
  it('refuses a missing key with 401 and a JSON error', async () => {
    const response = await callWorker('/api/task-status/00000000-0000-0000-0000-000000000000');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect((await errorOf(response)).code).toBe('unauthorized');
  });

  it('refuses an unknown key with 401', async () => {
    const response = await callWorker('/api/generate-video', {
      method: 'POST',
      headers: {
        authorization: 'Bearer rb_not_a_real_key_at_all',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ prompt: 'x' }),
    });
    expect(response.status).toBe(401);
  });
});

describe('POST /api/generate-video', () => {
  it('accepts a multipart image and prompt with 202 and a status URL', async () => {
    const user = await createTestUser(sql);
    const response = await postVideo(
      user,
      form({ prompt: 'waves roll in', image: new File([png], 'photo.png'), duration: '1' }),
    );
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; status: string; status_url: string };
    expect(body.status).toBe('pending');
    expect(body.status_url).toMatch(new RegExp(`/api/task-status/${body.id}$`));
    const [row] = await sql<{ input_key: string; params: { ratio: string } }[]>`
      select input_key, params from video_tasks where id = ${body.id}`;
    expect(row?.params.ratio).toBe('16:9');
    expect(await listKeys(row?.input_key ?? 'missing')).toEqual([row?.input_key]);
  });

  it('accepts a prompt alone as text-to-video', async () => {
    const user = await createTestUser(sql);
    const response = await postJson(user, { prompt: 'a title card', duration: 1, ratio: '1:1' });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const [row] = await sql<{ input_key: string | null }[]>`
      select input_key from video_tasks where id = ${id}`;
    expect(row?.input_key).toBeNull();
  });

  it('returns the same task for a repeated Idempotency-Key and 409 for another body', async () => {
    const user = await createTestUser(sql);
    const headers = { 'idempotency-key': 'order-42' };
    const first = await postJson(user, { prompt: 'same', duration: 1 }, headers);
    const again = await postJson(user, { prompt: 'same', duration: 1 }, headers);
    const other = await postJson(user, { prompt: 'different', duration: 1 }, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(
      ((await first.json()) as { id: string }).id,
    );
    expect(other.status).toBe(409);
    expect((await errorOf(other)).code).toBe('idempotency_conflict');
    expect(await taskCount(user.userId)).toBe(1);
  });

  it('creates exactly the daily limit from 50 concurrent requests; the rest get 429', async () => {
    const user = await createTestUser(sql, { dailyLimit: 5 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postJson(user, { prompt: `burst ${i}`, duration: 1 })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(45);
    const refused = responses.find((response) => response.status === 429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused?.json()) as { error: { code: string; reset_at: string } };
    expect(body.error.code).toBe('quota_exceeded');
    expect(new Date(body.error.reset_at).getTime()).toBeGreaterThan(Date.now());
    expect(await taskCount(user.userId)).toBe(5);
  });

  it('tells a banned user 403', async () => {
    const user = await createTestUser(sql, { banned: true });
    const response = await postJson(user, { prompt: 'hello' });
    expect(response.status).toBe(403);
  });

  describe('refuses bad input and leaves nothing behind', () => {
    const pdf = new TextEncoder().encode('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF');
    const cases: [string, () => Promise<[TestUser, Response]>, number][] = [
      [
        'a text/plain body',
        withUser((u) => postVideo(u, 'prompt=hi', { 'content-type': 'text/plain' })),
        415,
      ],
      ['no content type', withUser((u) => postVideo(u, '{"prompt":"hi"}')), 415],
      [
        'malformed JSON',
        withUser((u) => postVideo(u, '{"prompt": "hi"', { 'content-type': 'application/json' })),
        400,
      ],
      ['a missing prompt', withUser((u) => postJson(u, { duration: 2 })), 400],
      ['an empty prompt', withUser((u) => postJson(u, { prompt: '   ' })), 400],
      [
        'a 20,000-character prompt',
        withUser((u) => postJson(u, { prompt: 'a'.repeat(20_000) })),
        400,
      ],
      ['an unknown field', withUser((u) => postJson(u, { prompt: 'hi', durration: 3 })), 400],
      [
        'an unknown provider',
        withUser((u) => postJson(u, { prompt: 'hi', provider: 'sora-9000' })),
        400,
      ],
      ['a 999-second duration', withUser((u) => postJson(u, { prompt: 'hi', duration: 999 })), 400],
      ['a zero duration', withUser((u) => postJson(u, { prompt: 'hi', duration: 0 })), 400],
      ['a fractional duration', withUser((u) => postJson(u, { prompt: 'hi', duration: 2.5 })), 400],
      [
        'a duration the provider lacks',
        withUser((u) => postJson(u, { prompt: 'hi', duration: 30 })),
        400,
      ],
      ['an unknown ratio', withUser((u) => postJson(u, { prompt: 'hi', ratio: '21:9' })), 400],
      [
        'a non-https image URL',
        withUser((u) => postJson(u, { prompt: 'hi', image_url: 'http://example.com/a.png' })),
        400,
      ],
      [
        'a loopback image URL',
        withUser((u) => postJson(u, { prompt: 'hi', image_url: 'https://127.0.0.1/a.png' })),
        400,
      ],
      [
        'a decimal loopback URL',
        withUser((u) => postJson(u, { prompt: 'hi', image_url: 'https://2130706433/a.png' })),
        400,
      ],
      [
        'localhost',
        withUser((u) => postJson(u, { prompt: 'hi', image_url: 'https://localhost/a.png' })),
        400,
      ],
      [
        'an IPv6 loopback URL',
        withUser((u) => postJson(u, { prompt: 'hi', image_url: 'https://[::1]/a.png' })),
        400,
      ],
      [
        'a private address',
        withUser((u) => postJson(u, { prompt: 'hi', image_url: 'https://10.1.2.3/a.png' })),
        400,
      ],
      [
        'a link-local metadata address',
        withUser((u) =>
          postJson(u, { prompt: 'hi', image_url: 'https://169.254.169.254/latest/meta-data/' }),
        ),
        400,
      ],
      [
        'a non-https webhook',
        withUser((u) => postJson(u, { prompt: 'hi', webhook_url: 'http://example.com/hook' })),
        400,
      ],
      [
        'an empty file',
        withUser((u) => postVideo(u, form({ prompt: 'hi', image: new File([], 'empty.png') }))),
        400,
      ],
      [
        'a truncated PNG',
        withUser((u) =>
          postVideo(
            u,
            form({ prompt: 'hi', image: new File([png.slice(0, png.byteLength / 2)], 't.png') }),
          ),
        ),
        400,
      ],
      [
        'a PDF',
        withUser((u) => postVideo(u, form({ prompt: 'hi', image: new File([pdf], 'doc.png') }))),
        415,
      ],
      [
        'an 11 MB file',
        withUser((u) =>
          postVideo(
            u,
            form({ prompt: 'hi', image: new File([new Uint8Array(11 * 1024 * 1024)], 'big.png') }),
          ),
        ),
        413,
      ],
      [
        'an image field that is text',
        withUser((u) => postVideo(u, form({ prompt: 'hi', image: 'not a file' }))),
        400,
      ],
      [
        'a last frame without a first image',
        withUser((u) =>
          postVideo(u, form({ prompt: 'hi', last_frame: new File([png], 'last.png') })),
        ),
        400,
      ],
      [
        'a last frame that is a PDF',
        withUser((u) =>
          postVideo(
            u,
            form({
              prompt: 'hi',
              image: new File([png], 'first.png'),
              last_frame: new File([pdf], 'last.png'),
            }),
          ),
        ),
        415,
      ],
      [
        'a last frame file and a last_frame_url together',
        withUser((u) =>
          postVideo(
            u,
            form({
              prompt: 'hi',
              image: new File([png], 'first.png'),
              last_frame: new File([png], 'last.png'),
              last_frame_url: 'https://example.com/last.png',
            }),
          ),
        ),
        400,
      ],
      [
        'a bad Idempotency-Key',
        withUser((u) => postJson(u, { prompt: 'hi' }, { 'idempotency-key': 'a b' })),
        400,
      ],
    ];

    function withUser(send: (user: TestUser) => Promise<Response>) {
      return async (): Promise<[TestUser, Response]> => {
        const user = await createTestUser(sql);
        return [user, await send(user)];
      };
    }

    for (const [name, run, status] of cases) {
      it(`${name}: ${status}`, async () => {
        const before = await listKeys('inputs/');
        const [user, response] = await run();
        expect(response.status).toBe(status);
        const error = await errorOf(response);
        expect(error.code).toEqual(expect.any(String));
        expect(error.message.length).toBeGreaterThan(5);
        expect(await taskCount(user.userId)).toBe(0);
        expect(await listKeys('inputs/')).toEqual(before);
        const [usage] = await sql<{ u: { daily: { used: number } } }[]>`
          select get_quota_usage(${user.userId}) as u`;
        expect(usage?.u.daily.used).toBe(0);
      });
    }
  });
});

describe('GET /api/task-status/:id', () => {
  it('answers the task to its owner only', async () => {
    const owner = await createTestUser(sql);
    const created = await postJson(owner, { prompt: 'a fox', duration: 1 });
    const { id } = (await created.json()) as { id: string };

    const response = await callWorker(`/api/task-status/${id}`, { headers: bearer(owner.apiKey) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'created_at',
      'error',
      'id',
      'output_video_url',
      'progress',
      'prompt',
      'provider',
      'status',
      'updated_at',
    ]);
    expect(body).toMatchObject({ id, prompt: 'a fox', provider: 'local', error: null });

    const stranger = await createTestUser(sql);
    const hidden = await callWorker(`/api/task-status/${id}`, { headers: bearer(stranger.apiKey) });
    expect(hidden.status).toBe(404);
  });

  it('answers 404 for unknown and malformed ids', async () => {
    const user = await createTestUser(sql);
    for (const id of ['6f1c2a34-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await callWorker(`/api/task-status/${id}`, { headers: bearer(user.apiKey) });
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe('not_found');
    }
  });
});

describe('GET /api/openapi.json', () => {
  it('describes both endpoints', async () => {
    const response = await callWorker('/api/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(['/api/generate-video', '/api/task-status/{id}']);
  });
});
