/** Failed jobs grouped by error code: retry one group or all; retried tasks keep their history. */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { json } from '@remix-run/cloudflare';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { EmptyState } from '../components/empty-state.tsx';
import { Notice } from '../components/notice.tsx';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { formatDateTime } from '../lib/format.ts';
import { withRuntime } from '../lib/runtime.server.ts';
import { BULK_LIMIT, retryTasks } from '../lib/task-actions.server.ts';

export const meta: MetaFunction = () => [{ title: 'Failed jobs · reelbot admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    return { groups: await runtime.store.failedGroups() };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    const admin = await requireAdmin(request, runtime.config);
    const form = await request.formData();
    const all = form.get('intent') === 'retry-all';
    const code = all ? null : field.text(form.get('error_code'));
    if (!all && !code) return json({ message: null, error: 'Choose a group to retry.' });

    const ids = await runtime.store.failedTaskIds(code ?? null, BULK_LIMIT);
    const { changed } = await retryTasks(runtime, admin, ids, { group: code ?? 'all' });
    const more = ids.length === BULK_LIMIT ? ' More remain: retry again for the next batch.' : '';
    return json({ message: `Retried ${changed.length} job(s).${more}`, error: null });
  });
}

export default function Failed() {
  const { groups } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const total = groups.reduce((sum, group) => sum + group.count, 0);
  return (
    <>
      <h1>Failed jobs</h1>
      <Notice message={result?.message} error={result?.error} />
      {groups.length === 0 ? (
        <EmptyState>
          Nothing has failed. Failed jobs show up here, grouped by error code.
        </EmptyState>
      ) : (
        <>
          <Form method="post" className="actions">
            <button type="submit" name="intent" value="retry-all" disabled={busy}>
              Retry all {total} failed job(s)
            </button>
          </Form>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Error code</th>
                  <th scope="col">Jobs</th>
                  <th scope="col">Latest</th>
                  <th scope="col">Latest message</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((group) => (
                  <tr key={group.error_code}>
                    <td className="mono">{group.error_code}</td>
                    <td>
                      <Link to={`/jobs?status=failed&code=${encodeURIComponent(group.error_code)}`}>
                        {group.count}
                      </Link>
                    </td>
                    <td className="mono">
                      <Link to={`/jobs/${group.sample_task_id}`}>
                        {formatDateTime(group.latest_at)}
                      </Link>
                    </td>
                    <td className="prompt">{group.sample_message ?? ''}</td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="error_code" value={group.error_code} />
                        <button
                          type="submit"
                          name="intent"
                          value="retry-group"
                          className="secondary"
                          disabled={busy}
                          aria-label={`Retry the ${group.count} failed ${group.error_code} job(s)`}
                        >
                          Retry group
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            <Link to="/jobs?status=failed">See every failed job</Link>
          </p>
        </>
      )}
    </>
  );
}
