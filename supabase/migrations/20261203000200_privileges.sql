-- Only the service role may read, write or call anything. PostgREST exposes the public schema
-- and Postgres grants EXECUTE to PUBLIC by default, so both are taken away explicitly; with no
-- RLS policies the anon and authenticated roles see no rows even if a grant slips through.

revoke all on all tables in schema public from public, anon, authenticated;
revoke all on all sequences in schema public from public, anon, authenticated;
revoke all on all functions in schema public from public, anon, authenticated;

grant select, insert, update, delete on all tables in schema public to service_role;
grant usage, select on all sequences in schema public to service_role;
grant execute on all functions in schema public to service_role;

alter default privileges in schema public revoke all on tables from public, anon, authenticated;
alter default privileges in schema public revoke all on sequences from public, anon, authenticated;
alter default privileges in schema public revoke execute on functions from public, anon, authenticated;
