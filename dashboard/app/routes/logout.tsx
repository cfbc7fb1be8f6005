/** Sign-out: clears the session (or sends Access users to Access's own sign-out). */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/cloudflare';
import { redirect } from '@remix-run/cloudflare';
import { teamOrigin } from '../lib/access.server.ts';
import { accessSettings, requireAdmin } from '../lib/auth.server.ts';
import { withRuntime } from '../lib/runtime.server.ts';
import { sessionCookie } from '../lib/session.server.ts';

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async ({ config }) => {
    await requireAdmin(request, config);
    return redirect('/');
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return withRuntime(context, async ({ config, store }) => {
    const admin = await requireAdmin(request, config);
    await store.audit(admin.identity, 'logout', null);
    const access = accessSettings(config);
    if (access) return redirect(`${teamOrigin(access.teamDomain)}/cdn-cgi/access/logout`);
    const secure = new URL(request.url).protocol === 'https:';
    return redirect('/login', { headers: { 'set-cookie': sessionCookie('', secure) } });
  });
}
