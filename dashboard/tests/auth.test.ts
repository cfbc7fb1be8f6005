// Signing in and out, and that nothing answers without a session: every page loader sends
// the visitor to /login, every action and file answers 401, and nothing changes.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSql } from '../../tests/helpers/database.ts';
import { seedDashboardTasks, type SeededDashboard } from '../../tests/helpers/dashboard-seed.ts';
import { SESSION_COOKIE } from '../app/lib/session.server.ts';
import * as overview from '../app/routes/_index.tsx';
import * as audit from '../app/routes/audit.tsx';
import * as failed from '../app/routes/failed.tsx';
import * as job from '../app/routes/jobs.$id.tsx';
import * as jobs from '../app/routes/jobs._index.tsx';
import * as login from '../app/routes/login.tsx';
import * as logout from '../app/routes/logout.tsx';
import * as media from '../app/routes/media.$id.$kind.ts';
import * as newJob from '../app/routes/new.tsx';
import * as providers from '../app/routes/providers.tsx';
import * as user from '../app/routes/users.$id.tsx';
import * as users from '../app/routes/users._index.tsx';
import {
  ADMIN_PASSWORD,
  call,
  createHarness,
  ORIGIN,
  signIn,
  type RouteFunction,
} from './harness.ts';

let sql: postgres.Sql;
let seeded: SeededDashboard;
const harness = createHarness();

beforeAll(async () => {
  sql = testSql();
  seeded = await seedDashboardTasks(sql);
});
afterAll(() => sql.end());

const fn = (value: unknown) => value as RouteFunction;

function routes() {
  const taskId = seeded.failedIds[0] ?? '';
  const userId = seeded.users[0]?.id ?? '';
  return [
    { path: '/', module: overview, params: {} },
    { path: '/jobs', module: jobs, params: {} },
    { path: `/jobs/${taskId}`, module: job, params: { id: taskId } },
    { path: '/failed', module: failed, params: {} },
    { path: '/users', module: users, params: {} },
    { path: `/users/${userId}`, module: user, params: { id: userId } },
    { path: '/providers', module: providers, params: {} },
    { path: '/audit', module: audit, params: {} },
    { path: '/new', module: newJob, params: {} },
    { path: '/logout', module: logout, params: {} },
  ];
}

describe('without a session', () => {
  it('sends every page to the sign-in page, keeping where it was going', async () => {
    for (const route of routes()) {
      const result = await call(harness, fn(route.module.loader), route.path, {
        params: route.params,
      });
      expect(result, route.path).toBeInstanceOf(Response);
      const response = result as Response;
      expect(response.status, route.path).toBe(302);
      expect(response.headers.get('location')).toBe(
        `/login?next=${encodeURIComponent(route.path)}`,
      );
    }
  });

  it('refuses every action with 401 and changes nothing', async () => {
    const target = seeded.failedIds[0] ?? '';
    const withActions = routes().filter((route) => 'action' in route.module);
    expect(withActions.length).toBeGreaterThanOrEqual(7);
    for (const route of withActions) {
      const action = (route.module as { action: unknown }).action;
      const result = await call(harness, fn(action), route.path, {
        params: route.params,
        body: { intent: 'retry', id: target, daily: '1', error_code: 'provider_rejected' },
      });
      expect((result as Response).status, route.path).toBe(401);
    }
    const [row] = await sql<
      { status: string }[]
    >`select status from video_tasks where id = ${target}`;
    expect(row?.status).toBe('failed');
  });

  it('refuses to serve a job file', async () => {
    const taskId = seeded.completedIds[0] ?? '';
    const result = await call(harness, fn(media.loader), `/media/${taskId}/output`, {
      params: { id: taskId, kind: 'output' },
    });
    expect((result as Response).status).toBe(401);
  });

  it('refuses a forged or tampered session cookie', async () => {
    const cookie = await signIn(harness);
    const [name, value = ''] = cookie.split('=');
    const [payload, signature] = decodeURIComponent(value).split('.');
    const forged = btoa(JSON.stringify({ identity: 'mallory', expiresAt: Date.now() + 1e6 }));
    for (const bad of [`${forged}.${signature}`, `${payload}.AAAA`, 'garbage']) {
      const result = await call(harness, fn(jobs.loader), '/jobs', {
        cookie: `${name}=${encodeURIComponent(bad)}`,
      });
      expect((result as Response).status).toBe(302);
    }
  });
});

describe('signing in', () => {
  it('sets an http-only SameSite session cookie and lets the admin in', async () => {
    const result = (await call(harness, fn(login.action), '/login', {
      body: { password: ADMIN_PASSWORD, next: '/jobs?status=failed' },
      headers: { 'x-forwarded-for': crypto.randomUUID() },
    })) as Response;
    expect(result.status).toBe(302);
    expect(result.headers.get('location')).toBe('/jobs?status=failed');
    const setCookie = result.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');

    const page = await call(harness, fn(jobs.loader), '/jobs', {
      cookie: setCookie.split(';')[0] ?? '',
    });
    expect(page).not.toBeInstanceOf(Response);
  });

  it('never redirects to another site after signing in', async () => {
    const result = (await call(harness, fn(login.action), '/login', {
      body: { password: ADMIN_PASSWORD, next: '//evil.example/steal' },
      headers: { 'x-forwarded-for': crypto.randomUUID() },
    })) as Response;
    expect(result.headers.get('location')).toBe('/');
  });

  it('rate-limits failed attempts per client, even when the right password follows', async () => {
    const client = `203.0.113.${Math.floor(Math.random() * 250)}-${crypto.randomUUID()}`;
    const attempt = (password: string) =>
      call(harness, fn(login.action), '/login', {
        body: { password },
        headers: { 'x-forwarded-for': client },
      }) as Promise<Response>;
    for (let i = 0; i < 5; i++) expect((await attempt('wrong')).status).toBe(401);
    const blocked = await attempt(ADMIN_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('set-cookie')).toBeNull();
    const [row] = await sql<{ count: number }[]>`
      select count(*)::int as count from admin_audit
      where action = 'login_failed' and target_id = ${client}`;
    expect(row?.count).toBe(5);
  });

  it('refuses a form posted from another origin even with a session', async () => {
    const cookie = await signIn(harness);
    const result = (await call(harness, fn(failed.action), '/failed', {
      cookie,
      body: { intent: 'retry-all' },
      headers: { origin: 'https://evil.example' },
    })) as Response;
    expect(result.status).toBe(403);
  });

  it('signs out: clears the cookie and records it', async () => {
    const cookie = await signIn(harness);
    const result = (await call(harness, fn(logout.action), '/logout', {
      cookie,
      body: {},
      headers: { origin: ORIGIN },
    })) as Response;
    expect(result.status).toBe(302);
    expect(result.headers.get('location')).toBe('/login');
    expect(result.headers.get('set-cookie')).toContain('Max-Age=0');
    const [row] = await sql<{ actor: string }[]>`
      select actor from admin_audit where action = 'logout' order by id desc limit 1`;
    expect(row?.actor).toBe('admin');
  });
});
