/**
 * The Store port's transport: one call of one SQL function with named arguments, answering its
 * jsonb result. The postgres adapter runs `select fn(arg => $1, ...)`; the supabase adapter
 * calls PostgREST's /rpc/fn. Both reach the same SQL, so the store above them is written once.
 */

export type RpcArgs = Record<string, string | number | boolean | null | object>;

export interface Rpc {
  call(fn: string, args: RpcArgs): Promise<unknown>;
  /** Releases connections; safe to call more than once. */
  close(): Promise<void>;
}

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code = 'store_unavailable';

  constructor(
    readonly fn: string,
    options: { cause?: unknown; message?: string } = {},
  ) {
    super(options.message ?? `The database call ${fn} failed`, { cause: options.cause });
  }
}

const FUNCTION_NAME = /^[a-z_][a-z0-9_]*$/;

/** Rejects function and argument names that are not plain identifiers (they become SQL). */
export function assertIdentifier(name: string): string {
  if (!FUNCTION_NAME.test(name)) throw new Error(`Not an SQL identifier: ${name}`);
  return name;
}
