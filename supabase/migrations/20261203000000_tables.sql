-- reelbot schema: tables and indexes. Every state change goes through the SQL functions in the
-- next migration; only the service role may touch any of it.

create table public.users (
  id uuid primary key default gen_random_uuid(),
  platform text not null check (platform in ('telegram', 'discord', 'api', 'dashboard')),
  platform_user_id text not null,
  display_name text,
  locale text not null default 'en' check (locale in ('en', 'zh')),
  settings jsonb not null default '{}'::jsonb,
  -- Quota overrides; null means the default in quota_defaults applies.
  daily_limit integer check (daily_limit >= 0),
  monthly_limit integer check (monthly_limit >= 0),
  concurrent_limit integer check (concurrent_limit >= 0),
  banned_at timestamptz,
  ban_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (platform, platform_user_id)
);

create table public.quota_defaults (
  id boolean primary key default true check (id),
  daily_limit integer check (daily_limit >= 0),
  monthly_limit integer check (monthly_limit >= 0),
  concurrent_limit integer check (concurrent_limit >= 0),
  updated_at timestamptz not null default now()
);

insert into public.quota_defaults (daily_limit, monthly_limit, concurrent_limit)
values (20, 300, 2);

-- The original table's columns (id, user_id, status, input_image_url, output_video_url, prompt,
-- created_at, updated_at) come first and keep their meaning; the rest is the pipeline's.
create table public.video_tasks (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id),
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'completed', 'failed', 'canceled')),
  input_image_url text,
  output_video_url text,
  prompt text not null check (char_length(prompt) between 1 and 4000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  source text not null check (source in ('telegram', 'discord', 'api', 'dashboard')),
  reply_target jsonb,
  provider text not null,
  model text,
  params jsonb not null default '{}'::jsonb,
  provider_job_id text,
  attempts integer not null default 0 check (attempts >= 0),
  -- Bumped when a provider job is abandoned (e.g. its result expired), so the next submission
  -- uses a new idempotency key instead of getting the dead job back.
  submission_round integer not null default 0,
  max_attempts integer not null default 3 check (max_attempts between 1 and 20),
  next_run_at timestamptz,
  lease_until timestamptz,
  lease_owner text,
  progress integer not null default 0 check (progress between 0 and 100),
  error_code text,
  error_message text,
  input_key text,
  output_key text,
  output_bytes bigint check (output_bytes >= 0),
  cost_usd numeric(12, 4),
  idempotency_key text unique,
  request_hash text,
  -- False once the task no longer counts against the user's quota (refunded).
  quota_charged boolean not null default true,
  deadline_at timestamptz not null,
  delivery_attempts integer not null default 0,
  started_at timestamptz,
  completed_at timestamptz,
  delivered_at timestamptz
);

-- The queue's due-task scan: only tasks that still need a step have next_run_at set.
create index video_tasks_due_idx on public.video_tasks (next_run_at)
  where next_run_at is not null;
create index video_tasks_deadline_idx on public.video_tasks (deadline_at)
  where status in ('pending', 'processing');
-- Quota counting and per-user listings.
create index video_tasks_user_created_idx on public.video_tasks (user_id, created_at desc);
create index video_tasks_user_active_idx on public.video_tasks (user_id)
  where status in ('pending', 'processing');
-- Dashboard filters, each ordered for keyset pagination on (created_at, id).
create index video_tasks_created_idx on public.video_tasks (created_at desc, id desc);
create index video_tasks_status_created_idx
  on public.video_tasks (status, created_at desc, id desc);
create index video_tasks_provider_created_idx
  on public.video_tasks (provider, created_at desc, id desc);
create index video_tasks_source_created_idx
  on public.video_tasks (source, created_at desc, id desc);
create index video_tasks_failed_code_idx on public.video_tasks (error_code, created_at desc)
  where status = 'failed';

create table public.task_events (
  id bigint generated always as identity primary key,
  task_id uuid not null references public.video_tasks (id) on delete cascade,
  type text not null check (type in (
    'created', 'claimed', 'submitted', 'progress', 'provider_failed', 'retried', 'completed',
    'failed', 'delivered', 'delivery_failed', 'canceled'
  )),
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index task_events_task_idx on public.task_events (task_id, id);

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id),
  name text not null,
  -- SHA-256 of the key, hex; the key itself is shown once and never stored.
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  key_prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_user_idx on public.api_keys (user_id);

-- Webhook dedupe: a platform's update id is processed once.
create table public.processed_updates (
  platform text not null,
  update_id text not null,
  task_id uuid references public.video_tasks (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (platform, update_id)
);
create index processed_updates_created_idx on public.processed_updates (created_at);

create table public.admin_audit (
  id bigint generated always as identity primary key,
  actor text not null,
  action text not null,
  target_type text,
  target_id text,
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index admin_audit_created_idx on public.admin_audit (created_at desc);

alter table public.users enable row level security;
alter table public.quota_defaults enable row level security;
alter table public.video_tasks enable row level security;
alter table public.task_events enable row level security;
alter table public.api_keys enable row level security;
alter table public.processed_updates enable row level security;
alter table public.admin_audit enable row level security;
