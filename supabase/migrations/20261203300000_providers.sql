-- Real providers (issue 5): failover between providers recorded in the task's timeline, the
-- estimated cost recorded at creation, cost totals per provider and per user, and the
-- provider settings table the dashboard edits.

-- 'failover': a submission failed for a reason another provider does not share; the task
-- moved on to the next provider.
alter table public.task_events drop constraint if exists task_events_type_check;
alter table public.task_events add constraint task_events_type_check check (type in (
  'created', 'claimed', 'submitted', 'progress', 'provider_failed', 'retried', 'completed',
  'failed', 'delivered', 'delivery_failed', 'canceled', 'failover'
));

-- Failover order and defaults per provider (same shape as the dashboard's migration, which
-- creates it if this one has not).
create table if not exists public.provider_settings (
  name text primary key,
  enabled boolean not null default true,
  position integer not null default 100,
  default_model text,
  updated_at timestamptz not null default now()
);
alter table public.provider_settings enable row level security;
revoke all on public.provider_settings from public, anon, authenticated;
grant select, insert, update, delete on public.provider_settings to service_role;

-- Moves a task whose submission just failed to another provider and wakes it at once. Only
-- the lease holder, only before any job exists, only from the provider it is on.
create or replace function public.switch_provider(
  p_task_id uuid,
  p_worker text,
  p_from text,
  p_to text,
  p_code text,
  p_message text,
  p_cost_usd numeric default null
) returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  update video_tasks set
    provider = p_to, model = null,
    cost_usd = coalesce(p_cost_usd, cost_usd),
    error_code = p_code, error_message = p_message,
    next_run_at = now(), lease_until = null, lease_owner = null, updated_at = now()
  where id = p_task_id and lease_owner = p_worker and status = 'processing'
    and provider = p_from and provider_job_id is null
  returning * into t;
  if not found then
    return null;
  end if;
  perform add_task_event(t.id, 'failover', jsonb_build_object(
    'from', p_from, 'to', p_to, 'code', p_code, 'message', p_message, 'attempt', t.attempts));
  return task_json(t);
end;
$$;
revoke all on function public.switch_provider(uuid, text, text, text, text, text, numeric)
  from public, anon, authenticated;
grant execute on function public.switch_provider(uuid, text, text, text, text, text, numeric)
  to service_role;

-- The estimated cost of a new task; a cost the provider reports at completion replaces it.
create or replace function public.record_cost_estimate(p_task_id uuid, p_cost_usd numeric)
returns boolean language sql set search_path = public as $$
  with updated as (
    update video_tasks set cost_usd = p_cost_usd
    where id = p_task_id and status in ('pending', 'processing')
    returning 1
  )
  select exists (select from updated);
$$;
revoke all on function public.record_cost_estimate(uuid, numeric)
  from public, anon, authenticated;
grant execute on function public.record_cost_estimate(uuid, numeric) to service_role;

-- Cost and volume per provider for tasks created in [p_from, p_to). Failed and canceled tasks
-- are counted but cost nothing (their quota was refunded; the estimate was never billed).
create or replace function public.provider_cost_totals(p_from timestamptz, p_to timestamptz)
returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(row_to_json(p) order by p.cost_usd desc, p.provider), '[]')
  from (
    select provider, count(*)::int as tasks,
      count(*) filter (where status = 'completed')::int as completed,
      coalesce(sum(cost_usd) filter (where status = 'completed'), 0)::float8 as cost_usd
    from video_tasks
    where created_at >= p_from and created_at < p_to
    group by provider
  ) p;
$$;
revoke all on function public.provider_cost_totals(timestamptz, timestamptz)
  from public, anon, authenticated;
grant execute on function public.provider_cost_totals(timestamptz, timestamptz) to service_role;

-- The same per user, most expensive first.
create or replace function public.user_cost_totals(
  p_from timestamptz, p_to timestamptz, p_limit integer default 50
) returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(row_to_json(u) order by u.cost_usd desc, u.user_id), '[]')
  from (
    select user_id, count(*)::int as tasks,
      count(*) filter (where status = 'completed')::int as completed,
      coalesce(sum(cost_usd) filter (where status = 'completed'), 0)::float8 as cost_usd
    from video_tasks
    where created_at >= p_from and created_at < p_to
    group by user_id
    order by cost_usd desc, user_id
    limit least(greatest(p_limit, 1), 500)
  ) u;
$$;
revoke all on function public.user_cost_totals(timestamptz, timestamptz, integer)
  from public, anon, authenticated;
grant execute on function public.user_cost_totals(timestamptz, timestamptz, integer)
  to service_role;
