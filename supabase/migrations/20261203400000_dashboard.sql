-- The admin dashboard's reads and admin actions. Reads are index-backed so the overview, the
-- jobs list (keyset pages) and a job's detail stay fast with a million tasks; every admin action
-- writes admin_audit in the same transaction as its change.

create schema if not exists extensions;
create extension if not exists pg_trgm with schema extensions;

-- The overview and provider statistics aggregate one date range from this index alone
-- (index-only scan), never from the table.
-- LIMITATION: the migration runner wraps each file in a transaction, so these indexes are built
-- without CONCURRENTLY and block writes to video_tasks while they build (seconds per million
-- rows); on a large live table, build them by hand with CONCURRENTLY first.
create index if not exists video_tasks_created_cover_idx on public.video_tasks (created_at)
  include (status, provider, source, user_id, started_at, completed_at, cost_usd);
-- Search by prompt (ILIKE) and by user name.
create index if not exists video_tasks_prompt_trgm_idx
  on public.video_tasks using gin (prompt extensions.gin_trgm_ops);
create index if not exists users_created_idx on public.users (created_at desc, id desc);
create index if not exists users_search_trgm_idx on public.users
  using gin ((platform_user_id || ' ' || coalesce(display_name, '')) extensions.gin_trgm_ops);
-- The audit log by action (login rate limit) and by actor.
create index if not exists admin_audit_action_idx
  on public.admin_audit (action, target_id, created_at desc);
create index if not exists admin_audit_actor_idx on public.admin_audit (actor, id desc);

create or replace function public.dashboard_audit(
  p_actor text,
  p_action text,
  p_target_type text default null,
  p_target_id text default null,
  p_detail jsonb default '{}'::jsonb
) returns bigint language sql set search_path = public as $$
  insert into admin_audit (actor, action, target_type, target_id, detail)
  values (p_actor, p_action, p_target_type, p_target_id, coalesce(p_detail, '{}'))
  returning id;
$$;
revoke all on function public.dashboard_audit(text, text, text, text, jsonb)
  from public, anon, authenticated;
grant execute on function public.dashboard_audit(text, text, text, text, jsonb)
  to service_role;

-- Failed sign-ins in the window, per client and in total, are below the limits.
create or replace function public.dashboard_login_allowed(
  p_client text,
  p_window_seconds integer default 900,
  p_max_per_client integer default 5,
  p_max_total integer default 50
) returns boolean language sql stable set search_path = public as $$
  select
    (select count(*) from admin_audit
      where action = 'login_failed' and target_id = p_client
        and created_at > now() - make_interval(secs => p_window_seconds)) < p_max_per_client
    and
    (select count(*) from admin_audit
      where action = 'login_failed'
        and created_at > now() - make_interval(secs => p_window_seconds)) < p_max_total;
$$;
revoke all on function public.dashboard_login_allowed(text, integer, integer, integer)
  from public, anon, authenticated;
grant execute on function public.dashboard_login_allowed(text, integer, integer, integer)
  to service_role;

-- Daily rollups for the overview. Days before yesterday (UTC) are "settled": their counts and
-- generation-time histograms are computed once, on the first overview that needs them, and
-- reused; yesterday and today are read live from the covering index. A later change to a task
-- of a settled day (a retry, say) drops that day's rollup so the next overview recomputes it.
create table if not exists public.dashboard_rollup_days (
  day date primary key,
  computed_at timestamptz not null default now()
);
create table if not exists public.dashboard_daily_counts (
  day date not null,
  status text not null,
  provider text not null,
  source text not null,
  tasks integer not null,
  cost_usd numeric(14, 4) not null,
  primary key (day, status, provider, source)
);
-- Completed tasks per generation-time bucket (about 10% wide; see dashboard_seconds_bucket).
create table if not exists public.dashboard_daily_times (
  day date not null,
  bucket integer not null,
  tasks integer not null,
  primary key (day, bucket)
);
alter table public.dashboard_rollup_days enable row level security;
alter table public.dashboard_daily_counts enable row level security;
alter table public.dashboard_daily_times enable row level security;
revoke all on public.dashboard_rollup_days, public.dashboard_daily_counts,
  public.dashboard_daily_times from public, anon, authenticated;
grant select, insert, update, delete on public.dashboard_rollup_days,
  public.dashboard_daily_counts, public.dashboard_daily_times to service_role;

-- Generation seconds as a bucket of a geometric scale (ratio 1.1), so percentiles can be read
-- from summed daily histograms; dashboard_bucket_seconds gives a bucket's middle.
create or replace function public.dashboard_seconds_bucket(p_seconds double precision)
returns integer language sql immutable set search_path = public as $$
  select least(160, greatest(0, floor(ln(greatest(p_seconds, 1)) / ln(1.1))))::integer;
$$;
revoke all on function public.dashboard_seconds_bucket(double precision)
  from public, anon, authenticated;
grant execute on function public.dashboard_seconds_bucket(double precision) to service_role;

create or replace function public.dashboard_bucket_seconds(p_bucket integer)
returns double precision language sql immutable set search_path = public as $$
  select case when p_bucket is null then null else exp((p_bucket + 0.5) * ln(1.1)) end;
$$;
revoke all on function public.dashboard_bucket_seconds(integer)
  from public, anon, authenticated;
grant execute on function public.dashboard_bucket_seconds(integer) to service_role;

-- Computes the rollups of the settled days in [p_from, p_to) that have none yet.
create or replace function public.dashboard_ensure_rollups(p_from date, p_to date)
returns integer language plpgsql set search_path = public as $$
declare
  d date;
  computed integer := 0;
  day_from timestamptz;
begin
  for d in
    select g::date from generate_series(p_from, p_to - 1, interval '1 day') g
    where not exists (select from dashboard_rollup_days r where r.day = g::date)
  loop
    -- One computation per day at a time; a concurrent call waits, then finds it done.
    perform pg_advisory_xact_lock(hashtext('dashboard_rollup'), d - date '2000-01-01');
    continue when exists (select from dashboard_rollup_days r where r.day = d);
    day_from := d::timestamp at time zone 'UTC';
    delete from dashboard_daily_counts where day = d;
    delete from dashboard_daily_times where day = d;
    insert into dashboard_daily_counts (day, status, provider, source, tasks, cost_usd)
    select d, status, provider, source, count(*), coalesce(sum(cost_usd), 0)
    from video_tasks where created_at >= day_from and created_at < day_from + interval '1 day'
    group by status, provider, source;
    insert into dashboard_daily_times (day, bucket, tasks)
    select d, dashboard_seconds_bucket(extract(epoch from completed_at - started_at)), count(*)
    from video_tasks where created_at >= day_from and created_at < day_from + interval '1 day'
      and status = 'completed' and started_at is not null and completed_at is not null
    group by 2;
    insert into dashboard_rollup_days (day) values (d);
    computed := computed + 1;
  end loop;
  return computed;
end;
$$;
revoke all on function public.dashboard_ensure_rollups(date, date)
  from public, anon, authenticated;
grant execute on function public.dashboard_ensure_rollups(date, date) to service_role;

-- Drops the rollup of a settled day whose tasks changed.
create or replace function public.dashboard_rollup_invalidate()
returns trigger language plpgsql set search_path = public as $$
begin
  if tg_op <> 'INSERT' then
    delete from dashboard_rollup_days where day = (old.created_at at time zone 'UTC')::date;
  end if;
  if tg_op <> 'DELETE' then
    delete from dashboard_rollup_days where day = (new.created_at at time zone 'UTC')::date;
  end if;
  return null;
end;
$$;
revoke all on function public.dashboard_rollup_invalidate() from public, anon, authenticated;
grant execute on function public.dashboard_rollup_invalidate() to service_role;

-- Only changes to tasks of settled days fire the function; recent tasks (the hot path) do not.
create trigger video_tasks_rollup_insert after insert on public.video_tasks
  for each row when (new.created_at < date_trunc('day', now(), 'UTC') - interval '1 day')
  execute function public.dashboard_rollup_invalidate();
create trigger video_tasks_rollup_update
  after update of status, provider, source, cost_usd, started_at, completed_at, created_at
  on public.video_tasks
  for each row when (old.created_at < date_trunc('day', now(), 'UTC') - interval '1 day'
                     or new.created_at < date_trunc('day', now(), 'UTC') - interval '1 day')
  execute function public.dashboard_rollup_invalidate();
create trigger video_tasks_rollup_delete after delete on public.video_tasks
  for each row when (old.created_at < date_trunc('day', now(), 'UTC') - interval '1 day')
  execute function public.dashboard_rollup_invalidate();

-- Figures and chart series for tasks created on the UTC days overlapping [p_from, p_to):
-- settled days from the rollups, yesterday and today live. Percentiles are read from
-- histograms, so they are within about 5% of the exact value.
-- LIMITATION: percentiles are bucketed (about 5%); top users cover at most the range's last 30
-- days; the first overview over a long range computes the missing daily rollups in the request
-- (about 6 s for a year of a million tasks), later ones read them. A task changed while its day
-- is being rolled up can leave that day stale until the task changes again.
create or replace function public.dashboard_overview(p_from timestamptz, p_to timestamptz)
returns jsonb language plpgsql set search_path = public as $$
declare
  day_start timestamptz := date_trunc('day', now(), 'UTC');
  month_start timestamptz := date_trunc('month', now(), 'UTC');
  settled timestamptz := date_trunc('day', now(), 'UTC') - interval '1 day';
  f timestamptz := date_trunc('day', p_from, 'UTC');
  t timestamptz := date_trunc('day', p_to, 'UTC')
    + case when date_trunc('day', p_to, 'UTC') < p_to then interval '1 day' else interval '0' end;
  live_from timestamptz := greatest(date_trunc('day', p_from, 'UTC'), settled);
  result jsonb;
begin
  perform dashboard_ensure_rollups(
    (least(f, month_start) at time zone 'UTC')::date, (least(t, settled) at time zone 'UTC')::date);

  with live as materialized (
    select (created_at at time zone 'UTC')::date as day, status, provider, source, user_id,
      coalesce(cost_usd, 0) as cost_usd,
      case when status = 'completed' then
        dashboard_seconds_bucket(extract(epoch from completed_at - started_at)) end as bucket
    from video_tasks where created_at >= live_from and created_at < t
  ), counts as (
    select day, status, provider, source, tasks, cost_usd from dashboard_daily_counts
    where day >= (f at time zone 'UTC')::date and day < (least(t, settled) at time zone 'UTC')::date
    union all
    select day, status, provider, source, 1, cost_usd from live
  ), times as (
    select day, bucket, tasks from dashboard_daily_times
    where day >= (f at time zone 'UTC')::date and day < (least(t, settled) at time zone 'UTC')::date
    union all
    select day, bucket, 1 from live where bucket is not null
  ), overall as (
    select bucket, sum(tasks) as n from times group by bucket
  ), overall_cum as (
    select bucket, sum(n) over (order by bucket) as cum, sum(n) over () as total from overall
  ), daily as (
    select day, bucket, sum(tasks) as n from times group by day, bucket
  ), daily_cum as (
    select day, bucket, sum(n) over (partition by day order by bucket) as cum,
      sum(n) over (partition by day) as total from daily
  ), daily_pct as (
    select day,
      dashboard_bucket_seconds(min(bucket) filter (where cum >= 0.5 * total)) as p50,
      dashboard_bucket_seconds(min(bucket) filter (where cum >= 0.95 * total)) as p95
    from daily_cum group by day
  )
  select jsonb_build_object(
    'today', (select count(*) from video_tasks where created_at >= day_start),
    'month', (select coalesce(sum(tasks), 0) from dashboard_daily_counts
              where day >= (month_start at time zone 'UTC')::date
                and day < (settled at time zone 'UTC')::date)
             + (select count(*) from video_tasks
                where created_at >= greatest(month_start, settled)),
    'total', (select coalesce(sum(tasks), 0) from counts),
    'completed', (select coalesce(sum(tasks), 0) from counts where status = 'completed'),
    'failed', (select coalesce(sum(tasks), 0) from counts where status = 'failed'),
    'cost_usd', (select coalesce(sum(cost_usd), 0) from counts),
    'p50_seconds', (select dashboard_bucket_seconds(min(bucket)) from overall_cum
                    where cum >= 0.5 * total),
    'p95_seconds', (select dashboard_bucket_seconds(min(bucket)) from overall_cum
                    where cum >= 0.95 * total),
    'per_day', (select coalesce(jsonb_agg(d order by d.day), '[]') from (
      select c.day,
        sum(c.tasks) filter (where c.status = 'pending') as pending,
        sum(c.tasks) filter (where c.status = 'processing') as processing,
        sum(c.tasks) filter (where c.status = 'completed') as completed,
        sum(c.tasks) filter (where c.status = 'failed') as failed,
        sum(c.tasks) filter (where c.status = 'canceled') as canceled,
        max(p.p50) as p50_seconds, max(p.p95) as p95_seconds
      from counts c left join daily_pct p on p.day = c.day group by c.day) d),
    'by_provider', (select coalesce(jsonb_agg(p order by p.total desc), '[]') from (
      select provider as name, sum(tasks) as total,
        coalesce(sum(tasks) filter (where status = 'completed'), 0) as completed,
        coalesce(sum(tasks) filter (where status = 'failed'), 0) as failed,
        sum(cost_usd) as cost_usd
      from counts group by provider) p),
    'by_platform', (select coalesce(jsonb_agg(p order by p.total desc), '[]') from (
      select source as name, sum(tasks) as total,
        coalesce(sum(tasks) filter (where status = 'completed'), 0) as completed,
        coalesce(sum(tasks) filter (where status = 'failed'), 0) as failed,
        sum(cost_usd) as cost_usd
      from counts group by source) p),
    -- Top users over the range's last 30 days at most: per-user rollups would be as large as
    -- the tasks table itself.
    'top_users', (select coalesce(jsonb_agg(jsonb_build_object(
        'user_id', tu.user_id, 'platform', u.platform, 'platform_user_id', u.platform_user_id,
        'display_name', u.display_name, 'total', tu.total, 'cost_usd', tu.cost_usd)
        order by tu.total desc), '[]')
      from (select user_id, count(*) as total, coalesce(sum(cost_usd), 0) as cost_usd
            from video_tasks
            where created_at >= greatest(f, t - interval '30 days') and created_at < t
            group by user_id order by count(*) desc limit 10) tu
      join users u on u.id = tu.user_id)
  ) into result;
  return result;
end;
$$;
revoke all on function public.dashboard_overview(timestamptz, timestamptz)
  from public, anon, authenticated;
grant execute on function public.dashboard_overview(timestamptz, timestamptz)
  to service_role;

-- One row of the jobs list.
create or replace function public.dashboard_task_item(t public.video_tasks)
returns jsonb language sql stable set search_path = public as $$
  select jsonb_build_object(
    'id', t.id, 'status', t.status, 'provider', t.provider, 'source', t.source,
    'prompt', left(t.prompt, 160), 'created_at', t.created_at, 'completed_at', t.completed_at,
    'progress', t.progress, 'error_code', t.error_code, 'attempts', t.attempts,
    'cost_usd', t.cost_usd, 'user_id', t.user_id,
    'user_name', (select coalesce(u.display_name, u.platform_user_id) from users u
                  where u.id = t.user_id));
$$;
revoke all on function public.dashboard_task_item(public.video_tasks)
  from public, anon, authenticated;
grant execute on function public.dashboard_task_item(public.video_tasks)
  to service_role;

-- A page of tasks, newest first, keyset-paginated on (created_at, id). The statement is built
-- from the filters actually given, so each call is planned for its own indexes.
create or replace function public.dashboard_list_tasks(
  p_status text default null,
  p_provider text default null,
  p_source text default null,
  p_user_id uuid default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_search text default null,
  p_cursor_created timestamptz default null,
  p_cursor_id uuid default null,
  p_direction text default 'older',
  p_limit integer default 50,
  p_error_code text default null
) returns jsonb language plpgsql stable set search_path = public as $$
declare
  conditions text[] := array['true'];
  newer boolean := p_direction = 'newer';
  search text := nullif(trim(p_search), '');
  query text;
  items jsonb;
  n integer := least(greatest(p_limit, 1), 200);
begin
  if p_status is not null then conditions := conditions || 'status = $1'::text; end if;
  if p_provider is not null then conditions := conditions || 'provider = $2'::text; end if;
  if p_source is not null then conditions := conditions || 'source = $3'::text; end if;
  if p_user_id is not null then conditions := conditions || 'user_id = $4'::text; end if;
  if p_from is not null then conditions := conditions || 'created_at >= $5'::text; end if;
  if p_to is not null then conditions := conditions || 'created_at < $6'::text; end if;
  if p_error_code is not null then conditions := conditions || 'error_code = $10'::text; end if;
  if search is not null then
    if search ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      conditions := conditions || '(id = $7::uuid or user_id = $7::uuid)'::text;
    else
      conditions := conditions || $c$(prompt ilike '%' || $7 || '%' or user_id in (
        select id from users
        where (platform_user_id || ' ' || coalesce(display_name, '')) ilike '%' || $7 || '%'
        limit 200))$c$::text;
    end if;
  end if;
  if p_cursor_created is not null and p_cursor_id is not null then
    conditions := conditions || case when newer then '(created_at, id) > ($8, $9)'
                                     else '(created_at, id) < ($8, $9)' end;
  end if;

  query := format(
    'select coalesce(jsonb_agg(dashboard_task_item(p) order by p.created_at desc, p.id desc),
                     ''[]'') from (select * from video_tasks where %s
                     order by created_at %s, id %s limit %s) p',
    array_to_string(conditions, ' and '),
    case when newer then 'asc' else 'desc' end, case when newer then 'asc' else 'desc' end,
    n + 1);
  execute query into items
    using p_status, p_provider, p_source, p_user_id, p_from, p_to, search,
          p_cursor_created, p_cursor_id, p_error_code;

  -- One row more than asked says whether there is another page in that direction.
  return jsonb_build_object(
    'has_more', jsonb_array_length(items) > n,
    'items', case when jsonb_array_length(items) <= n then items
                  when newer then items - 0
                  else items - n end);
end;
$$;
revoke all on function public.dashboard_list_tasks(text, text, text, uuid, timestamptz,
  timestamptz, text, timestamptz, uuid, text, integer, text)
  from public, anon, authenticated;
grant execute on function public.dashboard_list_tasks(text, text, text, uuid, timestamptz,
  timestamptz, text, timestamptz, uuid, text, integer, text)
  to service_role;

-- Everything the job page shows: the task, its user, its events and the admin actions on it.
create or replace function public.dashboard_get_task(p_task_id uuid)
returns jsonb language sql stable set search_path = public as $$
  select jsonb_build_object(
    'task', task_json(t),
    'user', (select jsonb_build_object('id', u.id, 'platform', u.platform,
               'platform_user_id', u.platform_user_id, 'display_name', u.display_name,
               'banned_at', u.banned_at)
             from users u where u.id = t.user_id),
    'events', (select coalesce(jsonb_agg(to_jsonb(e) order by e.id), '[]')
               from task_events e where e.task_id = t.id),
    'audit', (select coalesce(jsonb_agg(to_jsonb(a) order by a.id desc), '[]') from (
                select * from admin_audit
                where target_type = 'task' and target_id = t.id::text
                order by id desc limit 50) a))
  from video_tasks t where t.id = p_task_id;
$$;
revoke all on function public.dashboard_get_task(uuid)
  from public, anon, authenticated;
grant execute on function public.dashboard_get_task(uuid)
  to service_role;

create index if not exists admin_audit_target_idx
  on public.admin_audit (target_type, target_id, id desc);

-- Failed tasks grouped by error code, from the partial index on failed tasks.
create or replace function public.dashboard_failed_groups()
returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(jsonb_build_object(
      'error_code', g.error_code, 'count', g.n, 'latest_at', l.created_at,
      'sample_message', l.error_message, 'sample_task_id', l.id) order by g.n desc), '[]')
  from (select coalesce(error_code, 'unknown') as error_code, count(*) as n
        from video_tasks where status = 'failed' group by 1) g
  cross join lateral (
    select id, created_at, error_message from video_tasks
    where status = 'failed' and coalesce(error_code, 'unknown') = g.error_code
    order by created_at desc limit 1) l;
$$;
revoke all on function public.dashboard_failed_groups()
  from public, anon, authenticated;
grant execute on function public.dashboard_failed_groups()
  to service_role;

-- Ids of failed tasks of one error code (null: every code), oldest first, for retrying.
create or replace function public.dashboard_failed_task_ids(
  p_error_code text default null, p_limit integer default 200
) returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(id), '[]') from (
    select id from video_tasks
    where status = 'failed'
      and (p_error_code is null or coalesce(error_code, 'unknown') = p_error_code)
    order by created_at limit least(greatest(p_limit, 1), 1000)) f;
$$;
revoke all on function public.dashboard_failed_task_ids(text, integer)
  from public, anon, authenticated;
grant execute on function public.dashboard_failed_task_ids(text, integer)
  to service_role;

-- A page of users, newest first, searchable across platforms by id, name or platform id.
create or replace function public.dashboard_list_users(
  p_search text default null,
  p_platform text default null,
  p_cursor_created timestamptz default null,
  p_cursor_id uuid default null,
  p_limit integer default 50
) returns jsonb language plpgsql stable set search_path = public as $$
declare
  search text := nullif(trim(p_search), '');
  n integer := least(greatest(p_limit, 1), 200);
  items jsonb;
begin
  select coalesce(jsonb_agg(jsonb_build_object(
      'id', u.id, 'platform', u.platform, 'platform_user_id', u.platform_user_id,
      'display_name', u.display_name, 'banned_at', u.banned_at, 'created_at', u.created_at,
      'daily_limit', u.daily_limit, 'monthly_limit', u.monthly_limit,
      'concurrent_limit', u.concurrent_limit,
      'tasks_30d', (select count(*) from video_tasks t
                    where t.user_id = u.id and t.created_at > now() - interval '30 days'))
      order by u.created_at desc, u.id desc), '[]')
    into items
  from (
    select * from users
    where (p_platform is null or platform = p_platform)
      and (search is null
           or id::text = search
           or (platform_user_id || ' ' || coalesce(display_name, '')) ilike '%' || search || '%')
      and (p_cursor_created is null or (created_at, id) < (p_cursor_created, p_cursor_id))
    order by created_at desc, id desc
    limit n + 1) u;
  return jsonb_build_object(
    'has_more', jsonb_array_length(items) > n,
    'items', case when jsonb_array_length(items) > n then items - n else items end);
end;
$$;
revoke all on function public.dashboard_list_users(text, text, timestamptz, uuid, integer)
  from public, anon, authenticated;
grant execute on function public.dashboard_list_users(text, text, timestamptz, uuid, integer)
  to service_role;

-- One user: limits (own and default), usage now, totals and recent tasks.
create or replace function public.dashboard_get_user(p_user_id uuid)
returns jsonb language sql stable set search_path = public as $$
  select jsonb_build_object(
    'user', to_jsonb(u),
    'defaults', (select to_jsonb(d) from quota_defaults d where d.id),
    'usage', get_quota_usage(u.id),
    'totals', (select jsonb_build_object(
        'total', count(*),
        'completed', count(*) filter (where status = 'completed'),
        'failed', count(*) filter (where status = 'failed'),
        'cost_usd', coalesce(sum(cost_usd), 0))
      from video_tasks where user_id = u.id),
    'recent', (select coalesce(jsonb_agg(dashboard_task_item(t) order by t.created_at desc), '[]')
               from (select * from video_tasks where user_id = u.id
                     order by created_at desc limit 20) t))
  from users u where u.id = p_user_id;
$$;
revoke all on function public.dashboard_get_user(uuid)
  from public, anon, authenticated;
grant execute on function public.dashboard_get_user(uuid)
  to service_role;

create or replace function public.dashboard_get_quota_defaults()
returns jsonb language sql stable set search_path = public as $$
  select to_jsonb(d) from quota_defaults d where d.id;
$$;
revoke all on function public.dashboard_get_quota_defaults()
  from public, anon, authenticated;
grant execute on function public.dashboard_get_quota_defaults()
  to service_role;

-- Null limits fall back to the defaults.
create or replace function public.dashboard_set_user_limits(
  p_user_id uuid, p_daily integer, p_monthly integer, p_concurrent integer, p_actor text
) returns boolean language plpgsql set search_path = public as $$
declare
  before jsonb;
begin
  select jsonb_build_object('daily', daily_limit, 'monthly', monthly_limit,
                            'concurrent', concurrent_limit)
    into before from users where id = p_user_id for update;
  if not found then
    return false;
  end if;
  update users set daily_limit = p_daily, monthly_limit = p_monthly,
    concurrent_limit = p_concurrent, updated_at = now()
  where id = p_user_id;
  perform dashboard_audit(p_actor, 'user.set_limits', 'user', p_user_id::text,
    jsonb_build_object('before', before, 'after', jsonb_build_object(
      'daily', p_daily, 'monthly', p_monthly, 'concurrent', p_concurrent)));
  return true;
end;
$$;
revoke all on function public.dashboard_set_user_limits(uuid, integer, integer, integer, text)
  from public, anon, authenticated;
grant execute on function public.dashboard_set_user_limits(uuid, integer, integer, integer, text)
  to service_role;

create or replace function public.dashboard_set_quota_defaults(
  p_daily integer, p_monthly integer, p_concurrent integer, p_actor text
) returns boolean language plpgsql set search_path = public as $$
declare
  before jsonb;
begin
  select to_jsonb(d) - 'id' into before from quota_defaults d where d.id for update;
  update quota_defaults set daily_limit = p_daily, monthly_limit = p_monthly,
    concurrent_limit = p_concurrent, updated_at = now()
  where id;
  perform dashboard_audit(p_actor, 'quota.set_defaults', 'quota_defaults', null,
    jsonb_build_object('before', before, 'after', jsonb_build_object(
      'daily', p_daily, 'monthly', p_monthly, 'concurrent', p_concurrent)));
  return true;
end;
$$;
revoke all on function public.dashboard_set_quota_defaults(integer, integer, integer, text)
  from public, anon, authenticated;
grant execute on function public.dashboard_set_quota_defaults(integer, integer, integer, text)
  to service_role;

create or replace function public.dashboard_set_user_ban(
  p_user_id uuid, p_banned boolean, p_reason text, p_actor text
) returns boolean language plpgsql set search_path = public as $$
begin
  update users set
    banned_at = case when p_banned then coalesce(banned_at, now()) end,
    ban_reason = case when p_banned then p_reason end,
    updated_at = now()
  where id = p_user_id;
  if not found then
    return false;
  end if;
  perform dashboard_audit(p_actor, case when p_banned then 'user.ban' else 'user.unban' end,
    'user', p_user_id::text, jsonb_build_object('reason', p_reason));
  return true;
end;
$$;
revoke all on function public.dashboard_set_user_ban(uuid, boolean, text, text)
  from public, anon, authenticated;
grant execute on function public.dashboard_set_user_ban(uuid, boolean, text, text)
  to service_role;

-- A finished task with an origin is handed to delivery again.
create or replace function public.dashboard_redeliver_task(p_task_id uuid, p_actor text)
returns jsonb language plpgsql set search_path = public as $$
declare
  t video_tasks;
begin
  update video_tasks set delivered_at = null, delivery_attempts = 0, next_run_at = now(),
    lease_until = null, lease_owner = null, updated_at = now()
  where id = p_task_id and reply_target is not null
    and status in ('completed', 'failed', 'canceled')
  returning * into t;
  if not found then
    return null;
  end if;
  perform dashboard_audit(p_actor, 'task.redeliver', 'task', p_task_id::text, '{}');
  return task_json(t);
end;
$$;
revoke all on function public.dashboard_redeliver_task(uuid, text)
  from public, anon, authenticated;
grant execute on function public.dashboard_redeliver_task(uuid, text)
  to service_role;

-- Success rate and generation time per provider since p_since.
create or replace function public.dashboard_provider_stats(p_since timestamptz)
returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(s order by s.name), '[]') from (
    select provider as name, count(*) as total,
      count(*) filter (where status = 'completed') as completed,
      count(*) filter (where status = 'failed') as failed,
      percentile_cont(0.5) within group (order by extract(epoch from completed_at - started_at))
        filter (where status = 'completed') as p50_seconds,
      percentile_cont(0.95) within group (order by extract(epoch from completed_at - started_at))
        filter (where status = 'completed') as p95_seconds
    from video_tasks where created_at >= p_since group by provider) s;
$$;
revoke all on function public.dashboard_provider_stats(timestamptz)
  from public, anon, authenticated;
grant execute on function public.dashboard_provider_stats(timestamptz)
  to service_role;

-- The audit log, newest first, keyset-paginated on id.
create or replace function public.dashboard_list_audit(
  p_actor text default null,
  p_action text default null,
  p_cursor_id bigint default null,
  p_limit integer default 50
) returns jsonb language sql stable set search_path = public as $$
  with page as (
    select * from admin_audit
    where (p_actor is null or actor = p_actor)
      and (p_action is null or action = p_action)
      and (p_cursor_id is null or id < p_cursor_id)
    order by id desc limit least(greatest(p_limit, 1), 200) + 1)
  select jsonb_build_object(
    'has_more', (select count(*) from page) > least(greatest(p_limit, 1), 200),
    'items', (select coalesce(jsonb_agg(to_jsonb(p) order by p.id desc), '[]') from (
      select * from page order by id desc limit least(greatest(p_limit, 1), 200)) p));
$$;
revoke all on function public.dashboard_list_audit(text, text, bigint, integer)
  from public, anon, authenticated;
grant execute on function public.dashboard_list_audit(text, text, bigint, integer)
  to service_role;
