/** The supabase adapter: the same SQL functions called through PostgREST with supabase-js. */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { StoreError, type Rpc } from './rpc.ts';

export interface SupabaseRpcOptions {
  fetch?: typeof fetch;
}

/** Creates the supabase-js transport for the store; the key must be the service-role key. */
export function createSupabaseRpc(
  url: string,
  serviceRoleKey: string,
  options: SupabaseRpcOptions = {},
): Rpc {
  const client: SupabaseClient = createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Only RPC is used. Node 20 has no global WebSocket, which supabase-js checks for at
    // construction; this transport is never opened.
    ...(typeof WebSocket === 'undefined'
      ? { realtime: { transport: RealtimeUnused as unknown as typeof WebSocket } }
      : {}),
    ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
  });

  return {
    async call(fn, args) {
      const { data, error } = await client.rpc(fn, args);
      if (error) {
        // PostgREST's message can quote arguments; keep only the code and the function name.
        throw new StoreError(fn, {
          message: `The database call ${fn} failed (${error.code || 'unknown'})`,
          cause: error,
        });
      }
      return data ?? null;
    },
    async close() {},
  };
}

class RealtimeUnused {
  constructor() {
    throw new Error('reelbot does not use Supabase Realtime');
  }
}
