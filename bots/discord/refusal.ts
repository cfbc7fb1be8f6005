/** Why a task could not be created, said in the user's language. */
import { translate, type Locale } from '../../core/i18n/catalog.ts';
import type { RequestError } from '../../core/tasks/errors.ts';

/** A Discord timestamp: each client shows it in its own time zone. */
function discordTime(date: Date, style: 'f' | 'D'): string {
  return `<t:${Math.floor(date.getTime() / 1000)}:${style}>`;
}

/** The sentence for a refused request, in `locale`. */
export function refusalText(locale: Locale, error: RequestError, provider?: string): string {
  if (error.code === 'quota_exceeded' && error.quota) {
    const { scope, limit, resetAt } = error.quota;
    if (scope === 'concurrent') return translate(locale, 'quota.exceeded_concurrent', { limit });
    const reset = resetAt ? discordTime(resetAt, scope === 'daily' ? 'f' : 'D') : '—';
    const key = scope === 'daily' ? 'quota.exceeded_daily' : 'quota.exceeded_monthly';
    return translate(locale, key, { limit, reset });
  }
  if (error.code === 'banned') return translate(locale, 'user.banned');
  if (error.code === 'idempotency_conflict' || error.code === 'unknown_user') {
    return translate(locale, 'dc.error.internal');
  }
  // The core's own messages are English and precise (e.g. the durations a provider makes).
  const reason = locale === 'en' ? error.message : localReason(locale, error, provider);
  return translate(locale, 'dc.video.refused', { reason });
}

function localReason(locale: Locale, error: RequestError, provider?: string): string {
  switch (error.code) {
    case 'invalid_prompt':
      return translate(locale, 'dc.reason.invalid_prompt');
    case 'unknown_provider':
      return translate(locale, 'dc.reason.unknown_provider', { provider: provider ?? '' });
    case 'image_too_large':
      return translate(locale, 'dc.reason.image_too_large');
    case 'invalid_image':
    case 'unsupported_image_type':
    case 'image_fetch_failed':
    case 'blocked_url':
      return translate(locale, 'dc.reason.image');
    default:
      return translate(locale, 'dc.reason.unsupported_request');
  }
}
