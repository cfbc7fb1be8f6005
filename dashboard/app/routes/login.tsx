/** Sign-in: the admin password (rate-limited), or a pointer to Cloudflare Access. */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { json, redirect } from '@remix-run/cloudflare';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { parseConfig } from '../../../core/config.ts';
import { Notice } from '../components/notice.tsx';
import {
  accessSettings,
  adminPassword,
  clientAddress,
  currentAdmin,
  passwordMatches,
  PASSWORD_IDENTITY,
} from '../lib/auth.server.ts';
import { withRuntime } from '../lib/runtime.server.ts';
import { SESSION_SECONDS, sessionCookie, signSession } from '../lib/session.server.ts';

export const meta: MetaFunction = () => [{ title: 'Sign in · reelbot admin' }];

/** Only paths on this site, never another origin (`//host` or `/\host`). */
function safeNext(value: ReturnType<FormData['get']>): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const config = parseConfig(context.cloudflare.env);
  const next = safeNext(new URL(request.url).searchParams.get('next'));
  if (await currentAdmin(request, config)) throw redirect(next);
  return {
    next,
    access: accessSettings(config) !== null,
    configured: adminPassword(config) !== null,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  return withRuntime(context, async ({ config, store }) => {
    const password = adminPassword(config);
    if (accessSettings(config) || !password) {
      return json({ error: 'Password sign-in is not available here.' }, { status: 400 });
    }
    const client = clientAddress(request);
    if (!(await store.loginAllowed(client))) {
      return json(
        { error: 'Too many failed sign-ins. Wait 15 minutes, then try again.' },
        { status: 429, headers: { 'retry-after': '900' } },
      );
    }

    const form = await request.formData();
    const given = form.get('password');
    if (typeof given !== 'string' || !(await passwordMatches(given, config))) {
      await store.audit('anonymous', 'login_failed', { type: 'client', id: client });
      return json({ error: 'That password is not right.' }, { status: 401 });
    }

    await store.audit(PASSWORD_IDENTITY, 'login', { type: 'client', id: client });
    const value = await signSession(
      { identity: PASSWORD_IDENTITY, expiresAt: Date.now() + SESSION_SECONDS * 1000 },
      { signingSecret: config.SIGNING_SECRET, password },
    );
    const secure = new URL(request.url).protocol === 'https:';
    return redirect(safeNext(form.get('next')), {
      headers: { 'set-cookie': sessionCookie(value, secure) },
    });
  });
}

export default function Login() {
  const { next, access, configured } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <div className="login panel">
      <h1>reelbot admin</h1>
      {access ? (
        <p>This dashboard signs in through Cloudflare Access. Open it through your Access URL.</p>
      ) : !configured ? (
        <p role="alert">
          Sign-in is not configured: set the admin password secret (see the README).
        </p>
      ) : (
        <Form method="post">
          <Notice error={result?.error} />
          <input type="hidden" name="next" value={next} />
          <label>
            Password
            <input
              type="password"
              name="password"
              autoComplete="current-password"
              required
              autoFocus
            />
          </label>
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </Form>
      )}
    </div>
  );
}
