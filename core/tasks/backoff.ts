/** Exponential backoff with full jitter, capped; a provider's Retry-After always wins. */
export function backoffDelayMs(
  attempt: number,
  options: { baseMs?: number; maxMs?: number; retryAfterMs?: number; random?: () => number } = {},
): number {
  if (options.retryAfterMs !== undefined && options.retryAfterMs > 0) {
    return options.retryAfterMs;
  }
  const base = options.baseMs ?? 2000;
  const max = options.maxMs ?? 60_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const random = options.random ?? Math.random;
  // Half fixed, half jitter: never zero, never in lockstep with other tasks.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
