/** Jobs: filters, search, keyset pages, live refresh, and retry or cancel of the selected. */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { json } from '@remix-run/cloudflare';
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
  useSearchParams,
} from '@remix-run/react';
import { useState } from 'react';
import { createProviderRegistry } from '../../../core/providers/registry.ts';
import type { Cursor } from '../../../core/store/dashboard-store.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useLiveRefresh } from '../components/use-live-refresh.ts';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { formatDateTime } from '../lib/format.ts';
import { withRuntime } from '../lib/runtime.server.ts';
import { PLATFORM_OPTIONS, STATUS_OPTIONS } from '../lib/task-values.ts';
import { cancelTasks, retryTasks } from '../lib/task-actions.server.ts';

export const meta: MetaFunction = () => [{ title: 'Jobs · reelbot admin' }];

const DAY_MS = 86_400_000;

function parseCursor(params: URLSearchParams): Cursor | null {
  const [createdAt, id] = (params.get('cursor') ?? '').split('~');
  if (!createdAt || !field.uuid(id) || Number.isNaN(Date.parse(createdAt))) return null;
  return {
    createdAt,
    id: id as string,
    direction: params.get('dir') === 'newer' ? 'newer' : 'older',
  };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const params = new URL(request.url).searchParams;
    const to = field.day(params.get('to'));
    const filters = {
      status: field.status(params.get('status')),
      provider: field.text(params.get('provider')),
      source: field.source(params.get('platform')),
      userId: field.uuid(params.get('user')),
      from: field.day(params.get('from')),
      to: to && new Date(to.getTime() + DAY_MS),
      search: field.text(params.get('q'))?.slice(0, 200),
      errorCode: field.text(params.get('code'))?.slice(0, 100),
    };
    const cursor = parseCursor(params);
    const page = await runtime.store.listTasks(filters, cursor);
    const known = createProviderRegistry(runtime.config).names();
    return {
      page,
      cursor,
      providers: [...new Set([...known, ...page.items.map((item) => item.provider)])],
    };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    const admin = await requireAdmin(request, runtime.config);
    const form = await request.formData();
    const ids = form.getAll('id').flatMap((value) => field.uuid(value) ?? []);
    if (ids.length === 0) return json({ error: 'Select at least one job first.', message: null });
    const intent = form.get('intent');
    if (intent !== 'retry' && intent !== 'cancel') {
      return json({ error: 'Unknown action.', message: null }, { status: 400 });
    }
    const result =
      intent === 'retry'
        ? await retryTasks(runtime, admin, ids)
        : await cancelTasks(runtime, admin, ids);
    const verb = intent === 'retry' ? 'Retried' : 'Canceled';
    const skipped = result.asked - result.changed.length;
    const note = skipped > 0 ? ` (${skipped} could not be: wrong status)` : '';
    return json({ error: null, message: `${verb} ${result.changed.length} job(s)${note}.` });
  });
}

function pageLink(params: URLSearchParams, cursor: string, dir: 'older' | 'newer'): string {
  const next = new URLSearchParams(params);
  next.set('cursor', cursor);
  next.set('dir', dir);
  return `?${next.toString()}`;
}

export default function Jobs() {
  const { page, cursor, providers } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [live, setLive] = useState(true);
  const moving = page.items.some((item) => ['pending', 'processing'].includes(item.status));
  useLiveRefresh(live && moving);

  const [params] = useSearchParams();
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  const hasNewer = cursor !== null && (cursor.direction === 'older' || page.has_more);
  const hasOlder = cursor?.direction === 'newer' || page.has_more;
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allSelected = page.items.length > 0 && page.items.every((item) => selected.has(item.id));

  return (
    <>
      <h1>Jobs</h1>
      <Form method="get" className="filters" aria-label="Filter jobs">
        <label>
          Search
          <input
            type="search"
            name="q"
            placeholder="task id, prompt or user"
            defaultValue={params.get('q') ?? ''}
          />
        </label>
        <FilterSelect label="Status" name="status" options={STATUS_OPTIONS} params={params} />
        <FilterSelect label="Provider" name="provider" options={providers} params={params} />
        <FilterSelect label="Platform" name="platform" options={PLATFORM_OPTIONS} params={params} />
        <label>
          Error code
          <input name="code" defaultValue={params.get('code') ?? ''} size={14} />
        </label>
        <label>
          User id
          <input name="user" defaultValue={params.get('user') ?? ''} size={12} />
        </label>
        <label>
          From
          <input type="date" name="from" defaultValue={params.get('from') ?? ''} />
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={params.get('to') ?? ''} />
        </label>
        <button type="submit">Filter</button>
        <Link to="/jobs">Clear</Link>
      </Form>
      <Notice message={result?.message} error={result?.error} />
      <Form method="post" id="bulk">
        <div className="actions">
          <button type="submit" name="intent" value="retry" disabled={selected.size === 0}>
            Retry selected
          </button>
          <button
            type="submit"
            name="intent"
            value="cancel"
            className="danger"
            disabled={selected.size === 0}
          >
            Cancel selected
          </button>
          <label className="inline">
            <input
              type="checkbox"
              checked={live}
              onChange={(event) => setLive(event.target.checked)}
            />
            Live refresh
          </label>
          {navigation.state !== 'idle' ? <span role="status">Working…</span> : null}
        </div>
        {page.items.length === 0 ? (
          <EmptyState>
            No jobs match these filters. Clear them, or create one from New job.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select every job on this page"
                      checked={allSelected}
                      onChange={() =>
                        setSelected(
                          allSelected ? new Set() : new Set(page.items.map((item) => item.id)),
                        )
                      }
                    />
                  </th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                  <th scope="col">Prompt</th>
                  <th scope="col">User</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Platform</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((item) => (
                  <tr key={item.id}>
                    <td>
                      <input
                        type="checkbox"
                        name="id"
                        value={item.id}
                        aria-label={`Select job ${item.id}`}
                        checked={selected.has(item.id)}
                        onChange={() => toggle(item.id)}
                      />
                    </td>
                    <td className="mono">{formatDateTime(item.created_at)}</td>
                    <td>
                      <StatusBadge status={item.status} />
                      {item.status === 'processing' ? ` ${item.progress}%` : ''}
                    </td>
                    <td className="prompt">
                      <Link to={`/jobs/${item.id}`}>{item.prompt}</Link>
                    </td>
                    <td>
                      <Link to={`/users/${item.user_id}`}>{item.user_name ?? item.user_id}</Link>
                    </td>
                    <td>{item.provider}</td>
                    <td>{item.source}</td>
                    <td className="mono">{item.error_code ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Form>
      <nav className="pager" aria-label="Pages">
        {hasNewer && first ? (
          <Link to={pageLink(params, `${first.created_at}~${first.id}`, 'newer')}>← Newer</Link>
        ) : null}
        {cursor ? <Link to={`?${withoutCursor(params)}`}>Newest</Link> : null}
        {hasOlder && last ? (
          <Link to={pageLink(params, `${last.created_at}~${last.id}`, 'older')}>Older →</Link>
        ) : null}
      </nav>
    </>
  );
}

function withoutCursor(params: URLSearchParams): string {
  const next = new URLSearchParams(params);
  next.delete('cursor');
  next.delete('dir');
  return next.toString();
}
