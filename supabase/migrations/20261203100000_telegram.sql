-- What the chat frontends need beyond the task functions: per-user settings (default duration,
-- ratio, provider, language, a photo waiting for its prompt), and a user's recent tasks for
-- /status and /cancel. Service role only, like everything else.

-- Merges p_patch into the user's settings (a null value removes that key) and, when given,
-- sets the locale. Answers the updated user, or null for an unknown user.
create or replace function public.update_user_settings(
  p_user_id uuid,
  p_patch jsonb,
  p_locale text default null
) returns jsonb language plpgsql set search_path = public as $$
declare
  u users;
begin
  update users set
    settings = jsonb_strip_nulls(settings || coalesce(p_patch, '{}'::jsonb)),
    locale = coalesce(p_locale, locale),
    updated_at = now()
  where id = p_user_id
  returning * into u;
  if not found then
    return null;
  end if;
  return to_jsonb(u);
end;
$$;

revoke all on function public.update_user_settings(uuid, jsonb, text)
  from public, anon, authenticated;
grant execute on function public.update_user_settings(uuid, jsonb, text) to service_role;

-- The user's newest tasks, newest first (served by video_tasks_user_created_idx).
create or replace function public.list_user_tasks(p_user_id uuid, p_limit integer default 5)
returns jsonb language sql stable set search_path = public as $$
  select coalesce(jsonb_agg(task_json(t) order by t.created_at desc, t.id desc), '[]'::jsonb)
  from (
    select * from video_tasks
    where user_id = p_user_id
    order by created_at desc, id desc
    limit least(greatest(p_limit, 1), 50)
  ) t;
$$;

revoke all on function public.list_user_tasks(uuid, integer) from public, anon, authenticated;
grant execute on function public.list_user_tasks(uuid, integer) to service_role;
