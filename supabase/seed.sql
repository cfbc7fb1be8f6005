-- Demo data for a local database (`npm start`, `supabase db reset`). Safe to run again.
-- The demo API key is rb_local_demo_key; `npm start` adds DEMO_API_KEY's instead when it is set.
insert into public.users (platform, platform_user_id, display_name)
values ('api', 'demo', 'Demo API user')
on conflict (platform, platform_user_id) do nothing;

insert into public.api_keys (user_id, name, key_hash, key_prefix)
select id, 'demo', encode(sha256('rb_local_demo_key'::bytea), 'hex'), 'rb_loca'
from public.users where platform = 'api' and platform_user_id = 'demo'
on conflict (key_hash) do nothing;
