/** One user: usage against their limits, their own limits, ban and unban, recent jobs. */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { json } from '@remix-run/cloudflare';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { EmptyState } from '../components/empty-state.tsx';
import { LimitsFields } from '../components/limits-fields.tsx';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { formatDateTime, formatUsd } from '../lib/format.ts';
import { readLimits } from '../lib/limits.server.ts';
import { withRuntime } from '../lib/runtime.server.ts';

export const meta: MetaFunction = () => [{ title: 'User · reelbot admin' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const id = field.uuid(params.id);
    const detail = id ? await runtime.store.getUser(id) : null;
    if (!detail) throw new Response('There is no user with this id.', { status: 404 });
    return detail;
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    const admin = await requireAdmin(request, runtime.config);
    const id = field.uuid(params.id);
    if (!id) throw new Response('There is no user with this id.', { status: 404 });
    const form = await request.formData();
    const intent = form.get('intent');

    if (intent === 'limits') {
      const limits = readLimits(form);
      if (!limits) return json({ message: null, error: 'Limits are whole numbers of 0 or more.' });
      const saved = await runtime.store.setUserLimits(id, limits, admin.identity);
      return json(
        saved
          ? { message: 'Limits saved.', error: null }
          : { message: null, error: 'No such user.' },
      );
    }
    if (intent === 'ban' || intent === 'unban') {
      const reason = field.text(form.get('reason'))?.slice(0, 500) ?? null;
      await runtime.store.setUserBan(id, intent === 'ban', reason, admin.identity);
      return json({ message: intent === 'ban' ? 'User banned.' : 'User unbanned.', error: null });
    }
    return json({ message: null, error: 'Unknown action.' }, { status: 400 });
  });
}

function Usage({ label, used, limit }: { label: string; used: number; limit: number | null }) {
  return (
    <div className="card">
      <div className="label">{label}</div>
      <div className="value">
        {used} / {limit ?? '∞'}
      </div>
    </div>
  );
}

export default function User() {
  const { user, defaults, usage, totals, recent } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const fallback = (value: number | null) => `default: ${value ?? 'no limit'}`;
  return (
    <>
      <p>
        <Link to="/users">← Users</Link>
      </p>
      <h1>
        {user.display_name ?? user.platform_user_id}{' '}
        {user.banned_at ? <span className="badge failed">banned</span> : null}
      </h1>
      <p>
        {user.platform} · <span className="mono">{user.platform_user_id}</span> · joined{' '}
        {formatDateTime(user.created_at)} ·{' '}
        {`${totals.total} job(s), ${totals.completed} completed, ${totals.failed} failed`},{' '}
        {formatUsd(totals.cost_usd)}
      </p>
      <Notice message={result?.message} error={result?.error} />
      <div className="cards">
        <Usage label="Today" used={usage.daily.used} limit={usage.daily.limit} />
        <Usage label="This month" used={usage.monthly.used} limit={usage.monthly.limit} />
        <Usage label="Running now" used={usage.concurrent.used} limit={usage.concurrent.limit} />
      </div>
      <div className="grid-2">
        <section className="panel">
          <h2>Limits</h2>
          <p>Blank fields use the defaults.</p>
          <Form method="post" className="filters" aria-label="User limits">
            <input type="hidden" name="intent" value="limits" />
            <LimitsFields
              values={{
                daily: user.daily_limit,
                monthly: user.monthly_limit,
                concurrent: user.concurrent_limit,
              }}
              placeholders={{
                daily: fallback(defaults.daily_limit),
                monthly: fallback(defaults.monthly_limit),
                concurrent: fallback(defaults.concurrent_limit),
              }}
            />
            <button type="submit">Save limits</button>
          </Form>
        </section>
        <section className="panel">
          <h2>Access</h2>
          {user.banned_at ? (
            <Form method="post">
              <p>
                Banned {formatDateTime(user.banned_at)}
                {user.ban_reason ? `: ${user.ban_reason}` : ''}.
              </p>
              <button type="submit" name="intent" value="unban">
                Unban
              </button>
            </Form>
          ) : (
            <Form method="post" className="filters">
              <label>
                Reason
                <input name="reason" maxLength={500} />
              </label>
              <button type="submit" name="intent" value="ban" className="danger">
                Ban
              </button>
            </Form>
          )}
        </section>
      </div>
      <h2>Recent jobs</h2>
      {recent.length === 0 ? (
        <EmptyState>This user has no jobs yet.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">Prompt</th>
                <th scope="col">Provider</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((item) => (
                <tr key={item.id}>
                  <td className="mono">{formatDateTime(item.created_at)}</td>
                  <td>
                    <StatusBadge status={item.status} />
                  </td>
                  <td className="prompt">
                    <Link to={`/jobs/${item.id}`}>{item.prompt}</Link>
                  </td>
                  <td>{item.provider}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        <Link to={`/jobs?user=${user.id}`}>Every job of this user</Link>
      </p>
    </>
  );
}
