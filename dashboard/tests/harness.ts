// LIMITATION: loaders and actions run in Node here, not workerd (the browser suite runs them in
// workerd under wrangler dev); R2 is an in-memory fake and the queue a recorder.
// Runs the dashboard's loaders and actions in Node against the real test database: a load
// context with the settings a Worker would get, an in-memory R2 bucket, a queue that records
// what was sent, and a signed-in admin's cookie.
import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from '@remix-run/cloudflare';
import type { TaskMessage } from '../../core/queue/task-queue.ts';
import { TEST_DATABASE_URL } from '../../tests/helpers/database.ts';
import { currentTestPorts } from '../../tests/helpers/ports.ts';
import { createFakeR2 } from './fake-r2.ts';
import * as login from '../app/routes/login.tsx';

export const ADMIN_PASSWORD = 'rb_dashboard_test_password';
export const ORIGIN = 'http://dashboard.test';

export interface Harness {
  context: AppLoadContext;
  sent: TaskMessage[];
  media: ReturnType<typeof createFakeR2>;
  /** Waits for the work handed to waitUntil (closing database clients). */
  settle(): Promise<void>;
}

export function createHarness(settings: Record<string, string> = {}): Harness {
  const sent: TaskMessage[] = [];
  const pending: Promise<unknown>[] = [];
  const media = createFakeR2();
  const queue = {
    async send(message: TaskMessage) {
      sent.push(message);
    },
    async sendBatch(messages: Iterable<{ body: TaskMessage }>) {
      for (const message of messages) sent.push(message.body);
    },
  } as unknown as Queue<TaskMessage>;
  const env = {
    RUNTIME_MODE: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    SIGNING_SECRET: 'dashboard-test-signing-secret-32-characters',
    ADMIN_PASSWORD,
    LOCAL_PROVIDER_URL: `http://127.0.0.1:${currentTestPorts().localProvider}`,
    PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
    DNS_CHECK_IMAGE_URLS: 'false',
    ...settings,
    MEDIA: media,
    TASK_QUEUE: queue,
  };
  return {
    context: { cloudflare: { env, ctx: { waitUntil: (promise) => pending.push(promise) } } },
    sent,
    media,
    settle: async () => {
      await Promise.allSettled(pending.splice(0));
    },
  };
}

export interface RequestOptions {
  method?: string;
  cookie?: string;
  body?: FormData | Record<string, string | string[]>;
  headers?: Record<string, string>;
  params?: Record<string, string>;
}

export function makeRequest(path: string, options: RequestOptions = {}): Request {
  const headers = new Headers(options.headers);
  if (options.cookie) headers.set('cookie', options.cookie);
  let body: FormData | URLSearchParams | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body) {
    body = new URLSearchParams();
    for (const [key, value] of Object.entries(options.body)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
    }
  }
  return new Request(`${ORIGIN}${path}`, {
    method: options.method ?? (body ? 'POST' : 'GET'),
    headers,
    ...(body ? { body } : {}),
  });
}

type RouteFunction = (args: LoaderFunctionArgs & ActionFunctionArgs) => Promise<unknown>;

/** Calls a loader or action; a thrown Response (redirect, 404) is returned like any other. */
export async function call(
  harness: Harness,
  fn: RouteFunction,
  path: string,
  options: RequestOptions = {},
): Promise<unknown> {
  const request = makeRequest(path, options);
  try {
    return await fn({ request, params: options.params ?? {}, context: harness.context });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  } finally {
    await harness.settle();
  }
}

/** The JSON body of an action's json() response. */
export async function body<T = Record<string, unknown>>(result: unknown): Promise<T> {
  if (!(result instanceof Response)) throw new Error('expected a Response');
  return (await result.json()) as T;
}

/** Signs in with the password and answers the session cookie (name=value). */
export async function signIn(harness: Harness, client = crypto.randomUUID()): Promise<string> {
  const result = await call(harness, login.action as RouteFunction, '/login', {
    body: { password: ADMIN_PASSWORD, next: '/' },
    headers: { 'x-forwarded-for': client },
  });
  if (!(result instanceof Response)) throw new Error('sign-in did not answer a Response');
  const cookie = result.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`sign-in failed with ${result.status}`);
  return cookie;
}

export type { RouteFunction };
