/** The audit log: every admin action and sign-in, newest first, filterable by actor and action. */
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { EmptyState } from '../components/empty-state.tsx';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { formatDateTime } from '../lib/format.ts';
import { withRuntime } from '../lib/runtime.server.ts';

export const meta: MetaFunction = () => [{ title: 'Audit log · reelbot admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const params = new URL(request.url).searchParams;
    const before = Number(params.get('before'));
    const page = await runtime.store.listAudit(
      { actor: field.text(params.get('actor')), action: field.text(params.get('action')) },
      Number.isSafeInteger(before) && before > 0 ? before : null,
    );
    return { page };
  });
}

function targetLink(type: string | null, id: string | null) {
  if (!type || !id) return '';
  if (type === 'task') return <Link to={`/jobs/${id}`}>task {id.slice(0, 8)}</Link>;
  if (type === 'user') return <Link to={`/users/${id}`}>user {id.slice(0, 8)}</Link>;
  return `${type} ${id}`;
}

export default function Audit() {
  const { page } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const last = page.items[page.items.length - 1];
  const older = new URLSearchParams(params);
  if (last) older.set('before', String(last.id));
  return (
    <>
      <h1>Audit log</h1>
      <Form method="get" className="filters" aria-label="Filter the audit log">
        <label>
          Actor
          <input name="actor" defaultValue={params.get('actor') ?? ''} />
        </label>
        <label>
          Action
          <input
            name="action"
            placeholder="e.g. task.retry"
            defaultValue={params.get('action') ?? ''}
          />
        </label>
        <button type="submit">Filter</button>
        <Link to="/audit">Clear</Link>
      </Form>
      {page.items.length === 0 ? (
        <EmptyState>No admin actions match. Every sign-in and change is recorded here.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((entry) => (
                <tr key={entry.id}>
                  <td className="mono">{formatDateTime(entry.created_at)}</td>
                  <td>{entry.actor}</td>
                  <td className="mono">{entry.action}</td>
                  <td>{targetLink(entry.target_type, entry.target_id)}</td>
                  <td className="mono prompt">{JSON.stringify(entry.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages">
        {params.get('before') ? <Link to="/audit">Newest</Link> : null}
        {page.has_more ? <Link to={`?${older.toString()}`}>Older →</Link> : null}
      </nav>
    </>
  );
}
