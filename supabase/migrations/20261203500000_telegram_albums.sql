-- Telegram albums. An album's photos reach the webhook as separate updates, in any order and
-- possibly at once, each carrying the same media_group_id; only one of them usually has the
-- caption. Each item is recorded here; once no new item has arrived for a quiet period, one
-- handler claims the album and starts a single task from its first and last images.
-- Albums are kept a day, so a later text reply to any of their photos still finds them.

create table public.telegram_albums (
  chat_id bigint not null,
  media_group_id text not null,
  last_seen_at timestamptz not null default now(),
  claimed_at timestamptz,
  primary key (chat_id, media_group_id)
);
create index telegram_albums_last_seen_idx on public.telegram_albums (last_seen_at);

create table public.telegram_album_items (
  chat_id bigint not null,
  media_group_id text not null,
  message_id bigint not null,
  file_id text not null,
  -- The caption with mentions of the bot removed; empty when the item had none.
  prompt text not null default '',
  -- Meant for the bot (a private chat, a mention or a reply to it); an album none of whose
  -- items is addressed to the bot starts nothing.
  addressed boolean not null,
  primary key (chat_id, media_group_id, message_id),
  foreign key (chat_id, media_group_id)
    references public.telegram_albums (chat_id, media_group_id) on delete cascade
);

alter table public.telegram_albums enable row level security;
alter table public.telegram_album_items enable row level security;
revoke all on public.telegram_albums, public.telegram_album_items
  from public, anon, authenticated;
grant select, insert, update, delete on public.telegram_albums, public.telegram_album_items
  to service_role;

-- Records one album item and restarts the album's quiet period. Answers false when the album
-- was already claimed (the item came too late to be part of it).
create or replace function public.telegram_album_add(
  p_chat_id bigint,
  p_media_group_id text,
  p_message_id bigint,
  p_file_id text,
  p_prompt text,
  p_addressed boolean
) returns boolean language plpgsql set search_path = public as $$
declare
  claimed timestamptz;
begin
  insert into telegram_albums as a (chat_id, media_group_id)
  values (p_chat_id, p_media_group_id)
  on conflict (chat_id, media_group_id) do update
    set last_seen_at = case when a.claimed_at is null then now() else a.last_seen_at end
  returning a.claimed_at into claimed;
  if claimed is not null then
    return false;
  end if;

  insert into telegram_album_items (
    chat_id, media_group_id, message_id, file_id, prompt, addressed
  ) values (
    p_chat_id, p_media_group_id, p_message_id, p_file_id, coalesce(p_prompt, ''), p_addressed
  ) on conflict do nothing;
  return true;
end;
$$;

-- Tries to claim the album once it has been quiet for p_quiet_ms. Answers
--   {"state": "claimed", "items": [...]}  this caller starts the task (items by message id)
--   {"state": "wait", "wait_ms": N}       an item arrived recently; ask again in N ms
--   {"state": "taken"}                    another handler claimed it (or it is unknown)
create or replace function public.telegram_album_claim(
  p_chat_id bigint,
  p_media_group_id text,
  p_quiet_ms integer
) returns jsonb language plpgsql set search_path = public as $$
declare
  album telegram_albums;
  quiet interval := make_interval(secs => greatest(p_quiet_ms, 0) / 1000.0);
begin
  select * into album from telegram_albums
  where chat_id = p_chat_id and media_group_id = p_media_group_id
  for update;
  if not found or album.claimed_at is not null then
    return jsonb_build_object('state', 'taken');
  end if;
  if album.last_seen_at > now() - quiet then
    return jsonb_build_object(
      'state', 'wait',
      'wait_ms', ceil(extract(epoch from (album.last_seen_at + quiet - now())) * 1000)::integer
    );
  end if;

  update telegram_albums set claimed_at = now()
  where chat_id = p_chat_id and media_group_id = p_media_group_id;
  -- Once per album rather than per photo: albums older than a day are no longer answered.
  delete from telegram_albums where last_seen_at < now() - interval '1 day';
  return jsonb_build_object('state', 'claimed', 'items', telegram_album_items_json(
    p_chat_id, p_media_group_id
  ));
end;
$$;

-- An album's items by message id (the order they were sent in), or [] for an unknown album.
create or replace function public.telegram_album_items_json(
  p_chat_id bigint,
  p_media_group_id text
) returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'message_id', message_id,
    'file_id', file_id,
    'prompt', prompt,
    'addressed', addressed
  ) order by message_id), '[]'::jsonb)
  from telegram_album_items
  where chat_id = p_chat_id and media_group_id = p_media_group_id;
$$;

revoke all on function public.telegram_album_add(bigint, text, bigint, text, text, boolean)
  from public, anon, authenticated;
grant execute on function public.telegram_album_add(bigint, text, bigint, text, text, boolean)
  to service_role;
revoke all on function public.telegram_album_claim(bigint, text, integer)
  from public, anon, authenticated;
grant execute on function public.telegram_album_claim(bigint, text, integer) to service_role;
revoke all on function public.telegram_album_items_json(bigint, text)
  from public, anon, authenticated;
grant execute on function public.telegram_album_items_json(bigint, text) to service_role;
