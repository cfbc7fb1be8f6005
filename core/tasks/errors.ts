/**
 * Why a request for a task was refused. These are expected outcomes, returned as values; each
 * edge turns them into its own reply (an HTTP status, a chat message).
 */

export type RequestErrorCode =
  | 'invalid_prompt'
  | 'unknown_provider'
  | 'unsupported_request'
  | 'invalid_image'
  | 'image_too_large'
  | 'unsupported_image_type'
  | 'image_fetch_failed'
  | 'blocked_url'
  | 'quota_exceeded'
  | 'banned'
  | 'idempotency_conflict'
  | 'unknown_user';

export interface RequestError {
  code: RequestErrorCode;
  message: string;
  /** For quota_exceeded: which limit, and when it resets (null: when a running task ends). */
  quota?: { scope: 'daily' | 'monthly' | 'concurrent'; limit: number; resetAt: Date | null };
}

export function requestError(
  code: RequestErrorCode,
  message: string,
  extra: Pick<RequestError, 'quota'> = {},
): RequestError {
  return { code, message, ...extra };
}

const quotaWords = { daily: 'daily', monthly: 'monthly', concurrent: 'concurrent' } as const;

/** A sentence for a refused quota check. */
export function quotaMessage(quota: NonNullable<RequestError['quota']>): string {
  if (quota.scope === 'concurrent') {
    return `You already have ${quota.limit} video(s) in progress; wait for one to finish.`;
  }
  const reset = quota.resetAt ? ` It resets at ${quota.resetAt.toISOString()}.` : '';
  return `You have used your ${quotaWords[quota.scope]} limit of ${quota.limit} video(s).${reset}`;
}
