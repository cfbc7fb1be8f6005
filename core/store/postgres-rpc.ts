/** The postgres adapter: SQL functions called over a direct connection (postgres.js). */
import postgres from 'postgres';
import { assertIdentifier, StoreError, type Rpc, type RpcArgs } from './rpc.ts';

export interface PostgresRpcOptions {
  /** Connections in the pool; Workers should keep this small (one request, one client). */
  max?: number;
  /** Use an existing client instead of opening one (tests, the Node consumer). */
  sql?: postgres.Sql;
}

/** Creates the postgres-driver transport for the store. */
export function createPostgresRpc(url: string, options: PostgresRpcOptions = {}): Rpc {
  const sql =
    options.sql ??
    postgres(url, {
      max: options.max ?? 5,
      idle_timeout: 20,
      connect_timeout: 10,
      prepare: false,
      onnotice: () => {},
      fetch_types: false,
    });
  const owned = options.sql === undefined;

  return {
    async call(fn, args) {
      const names = Object.keys(args).map(assertIdentifier);
      const placeholders = names.map((name, i) => `${name} => $${i + 1}`).join(', ');
      const text = `select public.${assertIdentifier(fn)}(${placeholders}) as result`;
      try {
        const rows = await sql.unsafe(
          text,
          names.map((name) => toParameter(args[name])),
        );
        return (rows[0]?.result as unknown) ?? null;
      } catch (error) {
        throw new StoreError(fn, { cause: error });
      }
    },
    async close() {
      if (owned) await sql.end({ timeout: 5 });
    },
  };
}

// Postgres resolves each named argument's type from the function's signature (as it does for
// PostgREST) and the driver serialises the value for that type: objects become jsonb.
function toParameter(value: RpcArgs[string] | undefined): postgres.ParameterOrJSON<never> {
  if (value === undefined) return null;
  return value as postgres.ParameterOrJSON<never>;
}
