// The dashboard in a real browser against the real stack: sign in, charts with data, filters,
// retrying a failed job, a quota change, a new job made by the local provider, sign out.
// Screenshots of every page land in test-results/e2e/.
import { join } from 'node:path';
import postgres from 'postgres';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDashboardTasks, type SeededDashboard } from '../helpers/dashboard-seed.ts';
import { makeImage } from '../helpers/media.ts';
import { launchBrowser, type Browser } from './browser.ts';
import { ADMIN_PASSWORD, resultsDir, startStack, type Stack } from './stack.ts';

let stack: Stack;
let browser: Browser;
let page: Page;
let sql: postgres.Sql;
let seeded: SeededDashboard;

const url = (path: string) => `${stack.dashboardUrl}${path}`;
/** Waits for the first match to be visible; fails the test when it never is. */
const visible = (locator: Locator) =>
  locator.first().waitFor({ state: 'visible', timeout: 15_000 });
const shot = (name: string) =>
  page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });

beforeAll(async () => {
  stack = await startStack();
  sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  seeded = await seedDashboardTasks(sql, { tag: 'e2e' });
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await sql?.end();
  await stack?.stop();
});

describe('the dashboard in chromium', () => {
  it('sends a visitor without a session to the sign-in page', async () => {
    await page.goto(url('/jobs'));
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot('01-login');
  });

  it('refuses every page, action and file in workerd without a session', async () => {
    const task = seeded.failedIds[0] ?? '';
    const user = seeded.users[0]?.id ?? '';
    const pages = ['/', '/jobs', `/jobs/${task}`, '/failed', '/users', `/users/${user}`];
    for (const path of [...pages, '/providers', '/audit', '/new', '/logout']) {
      const response = await fetch(url(path), { redirect: 'manual' });
      expect(response.status, path).toBe(302);
      expect(response.headers.get('location'), path).toMatch(/\/login\?next=/);
    }
    const actions = [...pages.slice(1), '/new', '/logout'];
    for (const path of actions) {
      const response = await fetch(url(path), {
        method: 'POST',
        body: new URLSearchParams({ intent: 'retry', id: task }),
        redirect: 'manual',
      });
      expect(response.status, path).toBe(401);
    }
    const file = await fetch(url(`/media/${seeded.completedIds[0]}/output`));
    expect(file.status).toBe(401);
    const [row] = await sql<
      { status: string }[]
    >`select status from video_tasks where id = ${task}`;
    expect(row?.status).toBe('failed');
  });

  it('refuses a wrong password and says so', async () => {
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('alert'));
    expect(await page.getByRole('alert').innerText()).toMatch(/not right/);
  });

  it('signs in and lands where the visitor was going', async () => {
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/jobs'));
    await visible(page.getByRole('heading', { name: 'Jobs' }));
  });

  it('shows the overview figures and renders the charts with data', async () => {
    await page.goto(url('/'));
    await page.waitForSelector('.recharts-bar-rectangle', { timeout: 20_000 });
    expect(await page.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(3);
    expect(await page.locator('.recharts-line-curve').count()).toBeGreaterThanOrEqual(1);
    await visible(page.getByRole('link', { name: 'Seeded telegram e2e' }));
    await shot('02-overview');
  });

  it('filters the jobs list by status and platform', async () => {
    await page.goto(url('/jobs'));
    await page.getByLabel('Status').selectOption('failed');
    await page.getByLabel('Platform').selectOption('discord');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=failed/);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allInnerTexts()) {
      expect(text).toContain('failed');
      expect(text).toContain('discord');
    }
    await shot('03-jobs-filtered');
  });

  it('opens a failed job and retries it, keeping its history', async () => {
    await page.locator('tbody tr td.prompt a').first().click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const taskId = page.url().split('/').pop() ?? '';
    await visible(page.getByText('provider_', { exact: false }).first());
    await shot('04-job-failed');

    await page.getByRole('button', { name: 'Retry' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Retrying' }));
    const [row] = await sql<
      { status: string }[]
    >`select status from video_tasks where id = ${taskId}`;
    expect(row?.status).not.toBe('failed');
    const events = await sql<{ type: string }[]>`
      select type from task_events where task_id = ${taskId} order by id`;
    expect(events.map((event) => event.type).slice(0, 3)).toEqual(['created', 'failed', 'retried']);
  });

  it('lists failed jobs grouped by error code', async () => {
    await page.goto(url('/failed'));
    await visible(page.getByRole('cell', { name: 'provider_rejected' }));
    await shot('05-failed');
  });

  it('changes a user quota', async () => {
    const user = seeded.users[1];
    await page.goto(url(`/users?q=${user?.platformUserId}`));
    await shot('06-users');
    await page.getByRole('link', { name: `Seeded ${user?.platform} e2e` }).click();
    await page.waitForURL(url(`/users/${user?.id}`));
    await page.getByLabel('Per day').fill('7');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Limits saved' }));
    await shot('07-user');
    const [row] = await sql<{ daily_limit: number }[]>`
      select daily_limit from users where id = ${user?.id ?? ''}`;
    expect(row?.daily_limit).toBe(7);
    await page.reload();
    expect(await page.getByLabel('Per day').inputValue()).toBe('7');
  });

  it('shows providers and the audit log of what this admin did', async () => {
    await page.goto(url('/providers'));
    await visible(page.getByRole('cell', { name: 'local', exact: true }));
    await shot('08-providers');
    await page.goto(url('/audit'));
    await visible(page.getByRole('cell', { name: 'user.set_limits' }));
    await visible(page.getByRole('cell', { name: 'task.retry' }));
    await shot('09-audit');
  });

  it('creates a job from an image and watches it become a playable video', async () => {
    await page.goto(url('/new'));
    await shot('10-new');
    await page.getByLabel(/^Image/).setInputFiles({
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: Buffer.from(await makeImage('png', 640, 360)),
    });
    await page.getByLabel('Duration (seconds)').selectOption('2');
    await page.getByLabel('Prompt').fill('a slow pan across a test pattern');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}\?created=1$/);
    await visible(page.locator('img.preview'));

    await page.waitForSelector('.badge.completed', { timeout: 120_000 });
    const video = page.locator('video');
    await visible(video);
    // A string: the check runs in the page, where `document` exists.
    await page.waitForFunction(
      "(document.querySelector('video')?.readyState ?? 0) >= 1",
      undefined,
      {
        timeout: 20_000,
      },
    );
    await shot('11-job-completed');
  });

  it('reads on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url('/'));
    await page.waitForSelector('.recharts-surface', { timeout: 20_000 });
    await shot('12-overview-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out, after which pages need signing in again', async () => {
    await page.goto(url('/'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(url('/users'));
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
