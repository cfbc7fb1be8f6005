/** One job: input, parameters, video, event timeline, provider error, cost and its actions. */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { json } from '@remix-run/cloudflare';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useLiveRefresh } from '../components/use-live-refresh.ts';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { formatDateTime, formatUsd } from '../lib/format.ts';
import { withRuntime } from '../lib/runtime.server.ts';
import { cancelTasks, redeliverTask, retryTasks } from '../lib/task-actions.server.ts';

export const meta: MetaFunction = () => [{ title: 'Job · reelbot admin' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const id = field.uuid(params.id);
    const detail = id ? await runtime.store.getTask(id) : null;
    if (!detail) throw new Response('There is no job with this id.', { status: 404 });
    // Reply targets hold chat tokens (a Discord interaction token) and webhook URLs: only the
    // origin's kind goes to the browser.
    const { replyTarget } = detail.task;
    return {
      ...detail,
      task: { ...detail.task, replyTarget: replyTarget && { kind: replyTarget.kind } },
    };
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    const admin = await requireAdmin(request, runtime.config);
    const id = field.uuid(params.id);
    if (!id) throw new Response('There is no job with this id.', { status: 404 });
    const intent = (await request.formData()).get('intent');
    if (intent === 'retry') {
      const { changed } = await retryTasks(runtime, admin, [id]);
      return json(
        changed.length > 0
          ? { message: 'Retrying: the job is queued again.', error: null }
          : { message: null, error: 'Only failed or canceled jobs can be retried.' },
      );
    }
    if (intent === 'cancel') {
      const { changed } = await cancelTasks(runtime, admin, [id]);
      return json(
        changed.length > 0
          ? { message: 'Canceled.', error: null }
          : { message: null, error: 'Only pending or processing jobs can be canceled.' },
      );
    }
    if (intent === 'redeliver') {
      const done = await redeliverTask(runtime, admin, id);
      return json(
        done
          ? { message: 'Delivery queued again.', error: null }
          : {
              message: null,
              error: 'Only finished jobs from a chat or webhook can be re-delivered.',
            },
      );
    }
    return json({ message: null, error: 'Unknown action.' }, { status: 400 });
  });
}

export default function Job() {
  const { task, user, events, audit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [search] = useSearchParams();
  const active = task.status === 'pending' || task.status === 'processing';
  useLiveRefresh(active, 2000);
  const delivery = task.replyTarget
    ? task.deliveredAt
      ? `delivered ${formatDateTime(task.deliveredAt)}`
      : `not delivered yet (${task.deliveryAttempts} attempt(s))`
    : 'no origin to deliver to (dashboard or polling API)';

  return (
    <>
      <p>
        <Link to="/jobs">← Jobs</Link>
      </p>
      <h1>
        Job <span className="mono">{task.id}</span> <StatusBadge status={task.status} />
      </h1>
      {search.get('created') ? (
        <Notice message="Job created. This page follows it until the video is ready." />
      ) : null}
      <Notice message={result?.message} error={result?.error} />
      <Form method="post" className="actions">
        {task.status === 'failed' || task.status === 'canceled' ? (
          <button type="submit" name="intent" value="retry">
            Retry
          </button>
        ) : null}
        {active ? (
          <button type="submit" name="intent" value="cancel" className="danger">
            Cancel
          </button>
        ) : null}
        {!active && task.replyTarget ? (
          <button type="submit" name="intent" value="redeliver" className="secondary">
            Re-deliver
          </button>
        ) : null}
      </Form>
      {active ? (
        <div
          className="progress"
          role="progressbar"
          aria-label="Progress"
          aria-valuenow={task.progress}
          aria-valuemin={0}
          aria-valuemax={100}
        >
          <div style={{ width: `${task.progress}%` }} />
        </div>
      ) : null}
      <div className="grid-2">
        <section className="panel">
          <h2>Details</h2>
          <dl className="facts">
            <dt>Prompt</dt>
            <dd>{task.prompt}</dd>
            <dt>User</dt>
            <dd>
              {user ? (
                <Link to={`/users/${user.id}`}>
                  {user.display_name ?? user.platform_user_id} ({user.platform})
                </Link>
              ) : (
                task.userId
              )}
            </dd>
            <dt>Platform</dt>
            <dd>{task.source}</dd>
            <dt>Provider</dt>
            <dd>
              {task.provider}
              {task.model ? ` · ${task.model}` : ''}
            </dd>
            <dt>Parameters</dt>
            <dd>
              {task.params.duration} s · {task.params.ratio}
            </dd>
            <dt>Provider job</dt>
            <dd className="mono">{task.providerJobId ?? '—'}</dd>
            <dt>Attempts</dt>
            <dd>
              {task.attempts} of {task.maxAttempts}
            </dd>
            <dt>Progress</dt>
            <dd>{task.progress}%</dd>
            <dt>Error</dt>
            <dd>
              {task.errorCode ? (
                <>
                  <span className="mono">{task.errorCode}</span>: {task.errorMessage}
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Cost</dt>
            <dd>{formatUsd(task.costUsd)}</dd>
            <dt>Delivery</dt>
            <dd>{delivery}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(task.createdAt)}</dd>
            <dt>Started</dt>
            <dd>{formatDateTime(task.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{formatDateTime(task.completedAt)}</dd>
          </dl>
        </section>
        <section className="panel">
          <h2>Media</h2>
          {task.inputKey ? (
            <figure>
              <img className="preview" src={`/media/${task.id}/input`} alt="The input image" />
              <figcaption>Input image{task.params.lastFrame ? ' (first frame)' : ''}</figcaption>
            </figure>
          ) : (
            <p>No input image: text to video.</p>
          )}
          {task.params.lastFrame ? (
            <figure>
              <img className="preview" src={`/media/${task.id}/last`} alt="The last frame" />
              <figcaption>Last frame</figcaption>
            </figure>
          ) : null}
          {task.outputKey ? (
            <figure>
              <video controls preload="metadata" src={`/media/${task.id}/output`}>
                <track kind="captions" />
              </video>
              <figcaption>
                Video ({Math.round((task.outputBytes ?? 0) / 1024)} KiB) ·{' '}
                <a href={`/media/${task.id}/output`} download>
                  Download
                </a>
              </figcaption>
            </figure>
          ) : (
            <p>{active ? 'The video is being made…' : 'No video.'}</p>
          )}
        </section>
      </div>
      <section className="panel">
        <h2>Timeline</h2>
        <ol className="timeline">
          {events.map((event) => (
            <li key={event.id}>
              <span className="mono">{formatDateTime(event.createdAt)}</span> —{' '}
              <strong>{event.type}</strong>
              {Object.keys(event.detail).length > 0 ? (
                <span className="mono"> {JSON.stringify(event.detail)}</span>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
      {audit.length > 0 ? (
        <section className="panel">
          <h2>Admin actions</h2>
          <ol className="timeline">
            {audit.map((entry) => (
              <li key={entry.id}>
                <span className="mono">{formatDateTime(entry.created_at)}</span> —{' '}
                {`${entry.actor}: ${entry.action}`}
              </li>
            ))}
          </ol>
        </section>
      ) : null}
    </>
  );
}
