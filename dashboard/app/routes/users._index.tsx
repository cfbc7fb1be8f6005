/** Users across platforms: search, their limits, and the default quota for everyone. */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { json } from '@remix-run/cloudflare';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { EmptyState } from '../components/empty-state.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { LimitsFields } from '../components/limits-fields.tsx';
import { Notice } from '../components/notice.tsx';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { formatDateTime } from '../lib/format.ts';
import { readLimits } from '../lib/limits.server.ts';
import { withRuntime } from '../lib/runtime.server.ts';
import { PLATFORM_OPTIONS } from '../lib/task-values.ts';

export const meta: MetaFunction = () => [{ title: 'Users · reelbot admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const params = new URL(request.url).searchParams;
    const [createdAt, id] = (params.get('cursor') ?? '').split('~');
    const cursor = createdAt && field.uuid(id) ? { createdAt, id: id as string } : null;
    const [page, defaults] = await Promise.all([
      runtime.store.listUsers(
        field.text(params.get('q'))?.slice(0, 200) ?? null,
        field.source(params.get('platform')) ?? null,
        cursor,
      ),
      runtime.store.quotaDefaults(),
    ]);
    return { page, defaults };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    const admin = await requireAdmin(request, runtime.config);
    const limits = readLimits(await request.formData());
    if (!limits) return json({ message: null, error: 'Limits are whole numbers of 0 or more.' });
    await runtime.store.setQuotaDefaults(limits, admin.identity);
    return json({ message: 'Default limits saved.', error: null });
  });
}

const limitText = (own: number | null) => (own === null ? 'default' : String(own));

export default function Users() {
  const { page, defaults } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const last = page.items[page.items.length - 1];
  const older = new URLSearchParams(params);
  if (last) older.set('cursor', `${last.created_at}~${last.id}`);
  return (
    <>
      <h1>Users and quotas</h1>
      <section className="panel">
        <h2>Default limits</h2>
        <p>Every user without their own limit gets these. Blank means no limit.</p>
        <Notice message={result?.message} error={result?.error} />
        <Form method="post" className="filters" aria-label="Default limits">
          <LimitsFields
            values={{
              daily: defaults.daily_limit,
              monthly: defaults.monthly_limit,
              concurrent: defaults.concurrent_limit,
            }}
          />
          <button type="submit">Save defaults</button>
        </Form>
      </section>
      <h2>Users</h2>
      <Form method="get" className="filters" aria-label="Search users">
        <label>
          Search
          <input
            type="search"
            name="q"
            placeholder="name, platform id or user id"
            defaultValue={params.get('q') ?? ''}
          />
        </label>
        <FilterSelect label="Platform" name="platform" options={PLATFORM_OPTIONS} params={params} />
        <button type="submit">Search</button>
      </Form>
      {page.items.length === 0 ? (
        <EmptyState>
          No users match. Users appear once they message a bot or use the API.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Platform</th>
                <th scope="col">Tasks (30 days)</th>
                <th scope="col">Day / month / at once</th>
                <th scope="col">Joined</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((user) => (
                <tr key={user.id}>
                  <td>
                    <Link to={`/users/${user.id}`}>
                      {user.display_name ?? user.platform_user_id}
                    </Link>
                    <div className="mono">{user.platform_user_id}</div>
                  </td>
                  <td>{user.platform}</td>
                  <td>{user.tasks_30d}</td>
                  <td>
                    {limitText(user.daily_limit)} / {limitText(user.monthly_limit)} /{' '}
                    {limitText(user.concurrent_limit)}
                  </td>
                  <td className="mono">{formatDateTime(user.created_at)}</td>
                  <td>
                    {user.banned_at ? <span className="badge failed">banned</span> : 'active'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages">
        {params.get('cursor') ? <Link to="/users">First page</Link> : null}
        {page.has_more ? <Link to={`?${older.toString()}`}>More →</Link> : null}
      </nav>
    </>
  );
}
