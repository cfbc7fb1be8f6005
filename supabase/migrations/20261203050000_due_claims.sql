-- A claim takes only a task whose wake-up has come (half a second of slack for clocks), or one
-- that the same worker reserved with dequeue_due. An early duplicate message therefore does
-- nothing: no early poll of a paid provider, no delivery before a chat platform's retry_after.
-- Provider callbacks and admin actions move next_run_at to now first. A reservation is marked
-- 'reserved:<worker>', so only a reservation, never a running claim, lets the worker back in.

create or replace function public.claim_task(
  p_task_id uuid,
  p_worker text,
  p_lease_seconds integer default 120
) returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
  was_pending boolean;
begin
  select status = 'pending' into was_pending from video_tasks where id = p_task_id;

  update video_tasks set
    status = case when status = 'pending' then 'processing' else status end,
    attempts = case when status in ('pending', 'processing') and provider_job_id is null
                    then attempts + 1 else attempts end,
    lease_until = now() + make_interval(secs => p_lease_seconds),
    lease_owner = p_worker,
    started_at = coalesce(started_at, case when status = 'pending' then now() end),
    updated_at = now()
  where id = p_task_id
    and (lease_until is null or lease_until < now() or lease_owner = 'reserved:' || p_worker)
    and (next_run_at is null or next_run_at <= now() + interval '500 milliseconds'
         or lease_owner = 'reserved:' || p_worker)
    and (
      status in ('pending', 'processing')
      or (status in ('completed', 'failed', 'canceled')
          and delivered_at is null and next_run_at is not null)
    )
  returning * into t;

  if not found then
    return null;
  end if;
  if was_pending then
    perform add_task_event(t.id, 'claimed', jsonb_build_object('worker', p_worker));
  end if;
  return task_json(t);
end;
$$;

-- Due tasks, oldest first. With p_worker (the Postgres-table queue) each task is reserved for
-- that worker by a lease of p_reserve_seconds, so no other consumer takes it meanwhile and the
-- worker's own claim goes through. Without (the sweeper) nothing changes: the tasks are only
-- reported, to be woken again. SKIP LOCKED keeps concurrent callers from waiting on each other.
drop function if exists public.dequeue_due(integer, integer, integer);
create function public.dequeue_due(
  p_limit integer default 10,
  p_reserve_seconds integer default 60,
  p_overdue_seconds integer default 0,
  p_worker text default null
) returns jsonb language plpgsql set search_path = public as $$
declare
  ids jsonb;
begin
  with due as (
    select id from video_tasks
    where next_run_at <= now() - make_interval(secs => p_overdue_seconds)
      and (lease_until is null or lease_until < now())
    order by next_run_at
    limit p_limit
    for update skip locked
  ), reserved as (
    update video_tasks t set
      lease_until = now() + make_interval(secs => p_reserve_seconds),
      lease_owner = 'reserved:' || p_worker
    from due where t.id = due.id and p_worker is not null
    returning t.id
  )
  select coalesce(jsonb_agg(id), '[]'::jsonb) into ids
  from (select id from reserved union all select id from due where p_worker is null) chosen;
  return ids;
end;
$$;

revoke all on function public.claim_task(uuid, text, integer) from public, anon, authenticated;
grant execute on function public.claim_task(uuid, text, integer) to service_role;
revoke all on function public.dequeue_due(integer, integer, integer, text)
  from public, anon, authenticated;
grant execute on function public.dequeue_due(integer, integer, integer, text) to service_role;

-- A retried task starts over: its generation time counts from the new start, not the first.
create or replace function public.retry_task(p_task_id uuid, p_actor text)
returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  update video_tasks set
    status = 'pending', attempts = 0, provider_job_id = null, progress = 0,
    submission_round = submission_round + 1,
    error_code = null, error_message = null, output_key = null, output_bytes = null,
    started_at = null, completed_at = null, delivered_at = null, delivery_attempts = 0,
    lease_until = null, lease_owner = null, quota_charged = true,
    deadline_at = now() + (deadline_at - created_at),
    next_run_at = now(), updated_at = now()
  where id = p_task_id and status in ('failed', 'canceled')
  returning * into t;
  if not found then
    return null;
  end if;
  perform add_task_event(t.id, 'retried', jsonb_build_object('actor', p_actor));
  return task_json(t);
end;
$$;

revoke all on function public.retry_task(uuid, text) from public, anon, authenticated;
grant execute on function public.retry_task(uuid, text) to service_role;
