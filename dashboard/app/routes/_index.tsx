/** Overview: figures for a date range, charts of tasks over time and by provider and platform. */
import type { LoaderFunctionArgs } from '@remix-run/cloudflare';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { ClientOnly } from '../components/client-only.tsx';
import {
  BreakdownChart,
  GenerationTimeChart,
  TasksPerDayChart,
  type Breakdown,
} from '../components/charts.client.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { requireAdmin } from '../lib/auth.server.ts';
import { day } from '../lib/forms.server.ts';
import { formatPercent, formatSeconds, formatUsd, isoDay } from '../lib/format.ts';
import { withRuntime } from '../lib/runtime.server.ts';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const url = new URL(request.url);
    const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
    let to = day(url.searchParams.get('to')) ?? today;
    let from = day(url.searchParams.get('from')) ?? new Date(to.getTime() - 29 * DAY_MS);
    if (from > to) [from, to] = [to, from];
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      from = new Date(to.getTime() - MAX_RANGE_DAYS * DAY_MS);
    }

    const overview = await runtime.store.overview(from, new Date(to.getTime() + DAY_MS));
    const breakdown = (rows: typeof overview.by_provider): Breakdown[] =>
      rows.map((row) => ({
        name: row.name,
        completed: row.completed,
        failed: row.failed,
        other: row.total - row.completed - row.failed,
      }));
    return {
      from: isoDay(from),
      to: isoDay(to),
      overview,
      days: overview.per_day.map((row) => ({
        day: row.day.slice(5, 10),
        pending: row.pending ?? 0,
        processing: row.processing ?? 0,
        completed: row.completed ?? 0,
        failed: row.failed ?? 0,
        canceled: row.canceled ?? 0,
        p50: row.p50_seconds === null ? null : Number(row.p50_seconds.toFixed(1)),
        p95: row.p95_seconds === null ? null : Number(row.p95_seconds.toFixed(1)),
      })),
      providers: breakdown(overview.by_provider),
      platforms: breakdown(overview.by_platform),
    };
  });
}

function Card({ label, value }: { label: string; value: string }) {
  return (
    <div className="card">
      <div className="label">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}

function Chart({ title, children }: { title: string; children: () => React.ReactNode }) {
  return (
    <section className="panel chart" aria-label={title}>
      <h2>{title}</h2>
      <ClientOnly fallback={<p className="empty">Loading chart…</p>}>{children}</ClientOnly>
    </section>
  );
}

export default function Overview() {
  const { from, to, overview, days, providers, platforms } = useLoaderData<typeof loader>();
  const finished = overview.completed + overview.failed;
  return (
    <>
      <h1>Overview</h1>
      <Form method="get" className="filters" aria-label="Date range">
        <label>
          From
          <input type="date" name="from" defaultValue={from} />
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={to} />
        </label>
        <button type="submit">Show</button>
      </Form>
      <div className="cards">
        <Card label="Tasks today" value={String(overview.today)} />
        <Card label="Tasks this month" value={String(overview.month)} />
        <Card label="Tasks in range" value={String(overview.total)} />
        <Card label="Success rate" value={formatPercent(overview.completed, finished)} />
        <Card label="Generation p50" value={formatSeconds(overview.p50_seconds)} />
        <Card label="Generation p95" value={formatSeconds(overview.p95_seconds)} />
        <Card label="Cost" value={formatUsd(overview.cost_usd)} />
      </div>
      {overview.total === 0 ? (
        <EmptyState>
          No tasks between {from} and {to}. Widen the range, or <Link to="/new">create a job</Link>.
        </EmptyState>
      ) : (
        <div className="charts">
          <Chart title="Tasks per day by status">{() => <TasksPerDayChart data={days} />}</Chart>
          <Chart title="Generation time per day">{() => <GenerationTimeChart data={days} />}</Chart>
          <Chart title="By provider">{() => <BreakdownChart data={providers} />}</Chart>
          <Chart title="By platform">{() => <BreakdownChart data={platforms} />}</Chart>
        </div>
      )}
      <h2>Top users (the last 30 days of the range)</h2>
      {overview.top_users.length === 0 ? (
        <EmptyState>No users made tasks in this range.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Platform</th>
                <th scope="col">Tasks</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {overview.top_users.map((user) => (
                <tr key={user.user_id}>
                  <td>
                    <Link to={`/users/${user.user_id}`}>
                      {user.display_name ?? user.platform_user_id}
                    </Link>
                  </td>
                  <td>{user.platform}</td>
                  <td>{user.total}</td>
                  <td>{formatUsd(user.cost_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
