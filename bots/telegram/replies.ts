/** Chat texts built from store data: quota summaries, refusals of a task, recent tasks. */
import { translate, type Locale } from '../../core/i18n/catalog.ts';
import type { QuotaUsage } from '../../core/store/task-store.ts';
import type { RequestError } from '../../core/tasks/errors.ts';
import type { Task } from '../../core/tasks/task.ts';
import { clip } from '../../core/delivery/telegram-messages.ts';

/** "Today: 1/20. This month: 4/300." plus the running count. */
export function quotaText(locale: Locale, usage: QuotaUsage | null): string {
  if (!usage) return '';
  const limit = (value: number | null) =>
    value === null ? translate(locale, 'quota.unlimited') : value;
  const summary = translate(locale, 'quota.summary', {
    dailyUsed: usage.daily.used,
    dailyLimit: limit(usage.daily.limit),
    monthlyUsed: usage.monthly.used,
    monthlyLimit: limit(usage.monthly.limit),
  });
  const running = translate(locale, 'tg.quota_concurrent', {
    used: usage.concurrent.used,
    limit: limit(usage.concurrent.limit),
  });
  return `${summary}\n${running}`;
}

/** Why a task could not be created, for the user. */
export function refusalText(locale: Locale, error: RequestError, maxPromptChars: number): string {
  if (error.code === 'banned') return translate(locale, 'user.banned');
  if (error.code === 'quota_exceeded' && error.quota) {
    const { scope, limit, resetAt } = error.quota;
    const reset = resetAt ? `${resetAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
    if (scope === 'daily') return translate(locale, 'quota.exceeded_daily', { limit, reset });
    if (scope === 'monthly') return translate(locale, 'quota.exceeded_monthly', { limit, reset });
    return translate(locale, 'quota.exceeded_concurrent', { limit });
  }
  return translate(locale, 'tg.create_failed', {
    reason: reasonText(locale, error, maxPromptChars),
  });
}

function reasonText(locale: Locale, error: RequestError, maxPromptChars: number): string {
  switch (error.code) {
    case 'invalid_prompt':
      return translate(locale, 'tg.reason.invalid_prompt', { limit: maxPromptChars });
    case 'image_too_large':
      return translate(locale, 'tg.reason.image_too_large');
    case 'invalid_image':
    case 'unsupported_image_type':
      return translate(locale, 'tg.reason.image');
    case 'unsupported_request':
    case 'unknown_provider':
      return translate(locale, 'tg.reason.unsupported');
    default:
      return translate(locale, 'reason.unknown');
  }
}

/** One line per task, newest first. */
export function recentTasksText(locale: Locale, tasks: Task[]): string {
  if (tasks.length === 0) return translate(locale, 'tg.status_none');
  const lines = tasks.map((task) =>
    translate(locale, 'tg.status_line', {
      state: translate(locale, `tg.state.${task.status}`, { progress: task.progress }),
      prompt: clip(task.prompt, 60),
    }),
  );
  return [translate(locale, 'tg.status_header'), ...lines].join('\n');
}
