-- Every task state change is one of these functions, so the postgres adapter (plain SQL) and
-- the supabase adapter (PostgREST RPC) share one implementation and each change is atomic.
-- They all return jsonb so both adapters see the same shape.

create or replace function public.task_json(t public.video_tasks)
returns jsonb language sql immutable set search_path = public as $$
  select to_jsonb(t) - 'request_hash'
$$;

create or replace function public.add_task_event(p_task_id uuid, p_type text, p_detail jsonb)
returns void language sql set search_path = public as $$
  insert into task_events (task_id, type, detail)
  values (p_task_id, p_type, coalesce(p_detail, '{}'));
$$;

create or replace function public.ensure_user(
  p_platform text,
  p_platform_user_id text,
  p_display_name text default null,
  p_locale text default null
) returns jsonb language plpgsql set search_path = public as $$
declare
  u users;
begin
  insert into users (platform, platform_user_id, display_name, locale)
  values (p_platform, p_platform_user_id, p_display_name, coalesce(p_locale, 'en'))
  on conflict (platform, platform_user_id) do update
    set display_name = coalesce(excluded.display_name, users.display_name),
        updated_at = now()
  returning * into u;
  return to_jsonb(u);
end;
$$;

-- The limits that apply to a user and what is used of them now.
create or replace function public.get_quota_usage(p_user_id uuid)
returns jsonb language plpgsql stable set search_path = public as $$
declare
  u users;
  d quota_defaults;
  day_start timestamptz := date_trunc('day', now(), 'UTC');
  month_start timestamptz := date_trunc('month', now(), 'UTC');
  used_day integer;
  used_month integer;
  active integer;
begin
  select * into u from users where id = p_user_id;
  if not found then
    return null;
  end if;
  select * into d from quota_defaults where id;

  select count(*) filter (where created_at >= day_start), count(*)
    into used_day, used_month
    from video_tasks
    where user_id = p_user_id and quota_charged and created_at >= month_start;
  select count(*) into active
    from video_tasks where user_id = p_user_id and status in ('pending', 'processing');

  return jsonb_build_object(
    'daily', jsonb_build_object(
      'used', used_day, 'limit', coalesce(u.daily_limit, d.daily_limit),
      'reset_at', day_start + interval '1 day'),
    'monthly', jsonb_build_object(
      'used', used_month, 'limit', coalesce(u.monthly_limit, d.monthly_limit),
      'reset_at', month_start + interval '1 month'),
    'concurrent', jsonb_build_object(
      'used', active, 'limit', coalesce(u.concurrent_limit, d.concurrent_limit), 'reset_at', null)
  );
end;
$$;

-- Quota check, insert and 'created' event in one transaction. The user's row is locked first,
-- so concurrent requests from one user are counted one after another and never overshoot.
create or replace function public.create_task(
  p_user_id uuid,
  p_source text,
  p_prompt text,
  p_provider text,
  p_model text default null,
  p_params jsonb default '{}'::jsonb,
  p_reply_target jsonb default null,
  p_input_key text default null,
  p_input_image_url text default null,
  p_idempotency_key text default null,
  p_request_hash text default null,
  p_max_attempts integer default 3,
  p_deadline_seconds integer default 1800
) returns jsonb language plpgsql set search_path = public as $$
declare
  u users;
  t video_tasks;
  usage jsonb;
  scope text;
  scoped_key text := case when p_idempotency_key is null then null
                          else p_user_id::text || ':' || p_idempotency_key end;
begin
  select * into u from users where id = p_user_id for update;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'unknown_user');
  end if;
  if u.banned_at is not null then
    return jsonb_build_object('ok', false, 'code', 'banned');
  end if;

  -- Looked up after the lock, so a concurrent request with the same key has committed by now.
  if scoped_key is not null then
    select * into t from video_tasks where idempotency_key = scoped_key;
    if found then
      if t.request_hash is distinct from p_request_hash then
        return jsonb_build_object('ok', false, 'code', 'idempotency_conflict');
      end if;
      return jsonb_build_object('ok', true, 'created', false, 'task', task_json(t));
    end if;
  end if;

  usage := get_quota_usage(p_user_id);
  foreach scope in array array['daily', 'monthly', 'concurrent'] loop
    if (usage -> scope ->> 'limit') is not null
       and (usage -> scope ->> 'used')::int >= (usage -> scope ->> 'limit')::int then
      return jsonb_build_object(
        'ok', false, 'code', 'quota_exceeded', 'scope', scope,
        'limit', (usage -> scope ->> 'limit')::int,
        'reset_at', usage -> scope -> 'reset_at');
    end if;
  end loop;

  insert into video_tasks (
    user_id, source, prompt, provider, model, params, reply_target, input_key,
    input_image_url, idempotency_key, request_hash, max_attempts, deadline_at, next_run_at
  ) values (
    p_user_id, p_source, p_prompt, p_provider, p_model, coalesce(p_params, '{}'),
    p_reply_target, p_input_key, p_input_image_url, scoped_key, p_request_hash,
    p_max_attempts, now() + make_interval(secs => p_deadline_seconds), now()
  ) returning * into t;

  perform add_task_event(t.id, 'created', jsonb_build_object(
    'source', p_source, 'provider', p_provider, 'model', p_model));
  return jsonb_build_object('ok', true, 'created', true, 'task', task_json(t));
end;
$$;

-- Takes the lease on a task that needs a step: pending, processing with an expired lease, or
-- finished but not yet delivered. Returns null when there is nothing to claim. A claim that is
-- about to submit counts as an attempt, so a crash loop cannot retry forever.
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
    and (lease_until is null or lease_until < now())
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

-- Moves the lease forward during a long step (e.g. streaming a large video).
create or replace function public.extend_lease(
  p_task_id uuid, p_worker text, p_lease_seconds integer
) returns boolean language sql set search_path = public as $$
  with updated as (
    update video_tasks set lease_until = now() + make_interval(secs => p_lease_seconds)
    where id = p_task_id and lease_owner = p_worker and lease_until >= now()
    returning 1
  )
  select exists (select from updated);
$$;

create or replace function public.record_submission(
  p_task_id uuid,
  p_worker text,
  p_provider text,
  p_provider_job_id text,
  p_poll_after_ms integer
) returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  update video_tasks set
    provider = p_provider,
    provider_job_id = p_provider_job_id,
    next_run_at = now() + make_interval(secs => p_poll_after_ms / 1000.0),
    lease_until = null, lease_owner = null,
    updated_at = now()
  where id = p_task_id and lease_owner = p_worker and status = 'processing'
  returning * into t;
  if not found then
    return null;
  end if;
  perform add_task_event(t.id, 'submitted', jsonb_build_object(
    'provider', p_provider, 'provider_job_id', p_provider_job_id, 'attempt', t.attempts));
  return task_json(t);
end;
$$;

create or replace function public.record_progress(
  p_task_id uuid,
  p_worker text,
  p_progress integer,
  p_poll_after_ms integer
) returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
  before integer;
begin
  select progress into before from video_tasks where id = p_task_id;
  update video_tasks set
    progress = greatest(progress, least(coalesce(p_progress, progress), 99)),
    next_run_at = now() + make_interval(secs => p_poll_after_ms / 1000.0),
    lease_until = null, lease_owner = null,
    updated_at = now()
  where id = p_task_id and lease_owner = p_worker and status = 'processing'
  returning * into t;
  if not found then
    return null;
  end if;
  if t.progress <> before then
    perform add_task_event(t.id, 'progress', jsonb_build_object('progress', t.progress));
  end if;
  return task_json(t);
end;
$$;

-- The video is in storage. The lease stays with the worker, which delivers next.
create or replace function public.complete_task(
  p_task_id uuid,
  p_worker text,
  p_output_key text,
  p_output_bytes bigint,
  p_cost_usd numeric default null
) returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  update video_tasks set
    status = 'completed', progress = 100,
    output_key = p_output_key, output_bytes = p_output_bytes,
    cost_usd = coalesce(p_cost_usd, cost_usd),
    error_code = null, error_message = null,
    completed_at = now(), updated_at = now(),
    next_run_at = case when reply_target is null then null else now() end,
    lease_until = case when reply_target is null then null else lease_until end,
    lease_owner = case when reply_target is null then null else lease_owner end
  where id = p_task_id and lease_owner = p_worker and status = 'processing'
  returning * into t;
  if not found then
    return null;
  end if;
  perform add_task_event(t.id, 'completed', jsonb_build_object(
    'output_bytes', p_output_bytes, 'cost_usd', p_cost_usd));
  return task_json(t);
end;
$$;

-- A failed step. Retryable: the task stays processing and wakes after p_delay_ms (resubmitting
-- when p_clear_job). Final: the task fails, its quota is refunded and the origin is told.
create or replace function public.fail_task(
  p_task_id uuid,
  p_worker text,
  p_code text,
  p_message text,
  p_retryable boolean,
  p_delay_ms integer default 0,
  p_clear_job boolean default false
) returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  if p_retryable then
    update video_tasks set
      error_code = p_code, error_message = p_message,
      provider_job_id = case when p_clear_job then null else provider_job_id end,
      submission_round = submission_round + case when p_clear_job then 1 else 0 end,
      next_run_at = now() + make_interval(secs => p_delay_ms / 1000.0),
      lease_until = null, lease_owner = null, updated_at = now()
    where id = p_task_id and lease_owner = p_worker and status = 'processing'
    returning * into t;
  else
    update video_tasks set
      status = 'failed', error_code = p_code, error_message = p_message,
      quota_charged = false, completed_at = now(), updated_at = now(),
      next_run_at = case when reply_target is null then null else now() end,
      lease_until = case when reply_target is null then null else lease_until end,
      lease_owner = case when reply_target is null then null else lease_owner end
    where id = p_task_id and lease_owner = p_worker and status = 'processing'
    returning * into t;
  end if;
  if not found then
    return null;
  end if;
  perform add_task_event(t.id, case when p_retryable then 'provider_failed' else 'failed' end,
    jsonb_build_object('code', p_code, 'message', p_message, 'retryable', p_retryable,
                       'attempt', t.attempts, 'delay_ms', p_delay_ms));
  return task_json(t);
end;
$$;

-- Gives the lease back and wakes the task again after p_delay_ms.
create or replace function public.release_task(
  p_task_id uuid, p_worker text, p_delay_ms integer
) returns boolean language sql set search_path = public as $$
  with updated as (
    update video_tasks set
      lease_until = null, lease_owner = null,
      next_run_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_task_id and lease_owner = p_worker
    returning 1
  )
  select exists (select from updated);
$$;

-- Delivery to the origin is done. True only for the call that marked it.
create or replace function public.mark_delivered(p_task_id uuid, p_worker text)
returns boolean language plpgsql set search_path = public as $$
begin
  update video_tasks set
    delivered_at = now(), next_run_at = null,
    lease_until = null, lease_owner = null, updated_at = now()
  where id = p_task_id and lease_owner = p_worker and delivered_at is null
    and status in ('completed', 'failed', 'canceled');
  if not found then
    return false;
  end if;
  perform add_task_event(p_task_id, 'delivered', '{}'::jsonb);
  return true;
end;
$$;

create or replace function public.record_delivery_failure(
  p_task_id uuid,
  p_worker text,
  p_message text,
  p_delay_ms integer,
  p_give_up boolean
) returns boolean language plpgsql set search_path = public as $$
begin
  update video_tasks set
    delivery_attempts = delivery_attempts + 1,
    next_run_at = case when p_give_up then null
                       else now() + make_interval(secs => p_delay_ms / 1000.0) end,
    lease_until = null, lease_owner = null, updated_at = now()
  where id = p_task_id and lease_owner = p_worker and delivered_at is null;
  if not found then
    return false;
  end if;
  perform add_task_event(p_task_id, 'delivery_failed', jsonb_build_object(
    'message', p_message, 'give_up', p_give_up));
  return true;
end;
$$;

-- A failed or canceled task starts over; its events are kept.
create or replace function public.retry_task(p_task_id uuid, p_actor text)
returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  update video_tasks set
    status = 'pending', attempts = 0, provider_job_id = null, progress = 0,
    submission_round = submission_round + 1,
    error_code = null, error_message = null, output_key = null, output_bytes = null,
    completed_at = null, delivered_at = null, delivery_attempts = 0,
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

-- Cancels a task that has not finished. p_user_id, when given, must own it. The quota is
-- refunded when no provider job was started (nothing was spent).
create or replace function public.cancel_task(
  p_task_id uuid, p_actor text, p_user_id uuid default null
) returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  update video_tasks set
    status = 'canceled',
    quota_charged = quota_charged and provider_job_id is not null,
    completed_at = now(), updated_at = now(),
    lease_until = null, lease_owner = null,
    next_run_at = case when reply_target is null then null else now() end
  where id = p_task_id and status in ('pending', 'processing')
    and (p_user_id is null or user_id = p_user_id)
  returning * into t;
  if not found then
    return null;
  end if;
  perform add_task_event(t.id, 'canceled', jsonb_build_object(
    'actor', p_actor, 'provider_job_id', t.provider_job_id));
  return task_json(t);
end;
$$;

-- Hands out tasks whose wake-up is due (overdue by p_overdue_seconds), pushing their wake-up
-- forward by p_reserve_seconds so no other caller gets them meanwhile. SKIP LOCKED keeps
-- concurrent consumers from waiting on each other.
create or replace function public.dequeue_due(
  p_limit integer default 10,
  p_reserve_seconds integer default 60,
  p_overdue_seconds integer default 0
) returns jsonb language sql set search_path = public as $$
  with due as (
    select id from video_tasks
    where next_run_at <= now() - make_interval(secs => p_overdue_seconds)
      and (lease_until is null or lease_until < now())
    order by next_run_at
    limit p_limit
    for update skip locked
  ), reserved as (
    update video_tasks t set next_run_at = now() + make_interval(secs => p_reserve_seconds)
    from due where t.id = due.id
    returning t.id
  )
  select coalesce(jsonb_agg(id), '[]'::jsonb) from reserved;
$$;

-- Fails every unfinished task past its deadline (refunding quota) and returns their ids so the
-- origin can be told.
create or replace function public.expire_overdue_tasks(p_limit integer default 100)
returns jsonb language plpgsql set search_path = public as $$
declare
  ids jsonb;
begin
  with overdue as (
    select id from video_tasks
    where status in ('pending', 'processing') and deadline_at < now()
      and (lease_until is null or lease_until < now())
    order by deadline_at
    limit p_limit
    for update skip locked
  ), failed as (
    update video_tasks t set
      status = 'failed', error_code = 'deadline_exceeded',
      error_message = 'The video took too long to make and was stopped.',
      quota_charged = false, completed_at = now(), updated_at = now(),
      lease_until = null, lease_owner = null,
      next_run_at = case when t.reply_target is null then null else now() end
    from overdue where t.id = overdue.id
    returning t.id
  ), events as (
    insert into task_events (task_id, type, detail)
    select id, 'failed', jsonb_build_object('code', 'deadline_exceeded', 'retryable', false)
    from failed
  )
  select coalesce(jsonb_agg(id), '[]'::jsonb) into ids from failed;
  return ids;
end;
$$;

create or replace function public.get_task(p_task_id uuid, p_user_id uuid default null)
returns jsonb language sql stable set search_path = public as $$
  select task_json(t) from video_tasks t
  where t.id = p_task_id and (p_user_id is null or t.user_id = p_user_id);
$$;

create or replace function public.list_task_events(p_task_id uuid)
returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(to_jsonb(e) order by e.id), '[]'::jsonb)
  from task_events e where e.task_id = p_task_id;
$$;

-- How many tasks are waiting ahead of this one (for "queued, position N").
create or replace function public.queue_position(p_task_id uuid)
returns integer language sql stable set search_path = public as $$
  select count(*)::integer from video_tasks o, video_tasks t
  where t.id = p_task_id and t.status = 'pending'
    and o.status = 'pending' and o.created_at < t.created_at;
$$;

create or replace function public.find_api_key(p_key_hash text)
returns jsonb language plpgsql set search_path = public as $$
declare
  k api_keys;
begin
  update api_keys set last_used_at = now()
  where key_hash = p_key_hash and revoked_at is null
  returning * into k;
  if not found then
    return null;
  end if;
  return jsonb_build_object('id', k.id, 'user_id', k.user_id, 'name', k.name);
end;
$$;

create or replace function public.create_api_key(
  p_user_id uuid, p_name text, p_key_hash text, p_key_prefix text
) returns jsonb language plpgsql set search_path = public as $$
declare
  k api_keys;
begin
  insert into api_keys (user_id, name, key_hash, key_prefix)
  values (p_user_id, p_name, p_key_hash, p_key_prefix)
  on conflict (key_hash) do update set revoked_at = null
  returning * into k;
  return jsonb_build_object('id', k.id, 'user_id', k.user_id, 'name', k.name);
end;
$$;

-- True the first time a platform's update id is seen.
create or replace function public.record_update(p_platform text, p_update_id text)
returns boolean language plpgsql set search_path = public as $$
begin
  insert into processed_updates (platform, update_id) values (p_platform, p_update_id);
  return true;
exception when unique_violation then
  return false;
end;
$$;

-- Brings a task's next wake-up forward (a provider callback, an admin action). Tasks with
-- nothing left to do are not woken.
create or replace function public.wake_task(p_task_id uuid, p_delay_ms integer default 0)
returns boolean language sql set search_path = public as $$
  with updated as (
    update video_tasks set
      next_run_at = least(next_run_at, now() + make_interval(secs => p_delay_ms / 1000.0))
    where id = p_task_id and next_run_at is not null
    returning 1
  )
  select exists (select from updated);
$$;
