-- A task created on hold: create_task, with the first wake-up pushed p_hold_seconds ahead, in
-- the same transaction, so no consumer can start it before its frontend has shown it queued.
-- The frontend then wakes it (wake_task brings next_run_at forward); if the frontend never
-- does, the task simply becomes due when the hold runs out and the sweeper or the table queue
-- takes it from there.
create or replace function public.create_task_held(
  p_hold_seconds integer,
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
  result jsonb;
  t video_tasks;
begin
  result := create_task(
    p_user_id => p_user_id,
    p_source => p_source,
    p_prompt => p_prompt,
    p_provider => p_provider,
    p_model => p_model,
    p_params => p_params,
    p_reply_target => p_reply_target,
    p_input_key => p_input_key,
    p_input_image_url => p_input_image_url,
    p_idempotency_key => p_idempotency_key,
    p_request_hash => p_request_hash,
    p_max_attempts => p_max_attempts,
    p_deadline_seconds => p_deadline_seconds
  );
  if (result ->> 'ok')::boolean and (result ->> 'created')::boolean then
    update video_tasks
      set next_run_at = now() + make_interval(secs => greatest(p_hold_seconds, 0))
      where id = (result -> 'task' ->> 'id')::uuid
      returning * into t;
    result := jsonb_set(result, '{task}', task_json(t));
  end if;
  return result;
end;
$$;

revoke all on function public.create_task_held(
  integer, uuid, text, text, text, text, jsonb, jsonb, text, text, text, text, integer, integer
) from public, anon, authenticated;
grant execute on function public.create_task_held(
  integer, uuid, text, text, text, text, jsonb, jsonb, text, text, text, text, integer, integer
) to service_role;
