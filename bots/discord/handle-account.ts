/**
 * `/quota`, `/status`, `/cancel` and the cancel button. The commands answer ephemerally (only
 * the asker sees them), deferred first like every command, then filled in.
 */
import { sendFollowUp } from '../../core/delivery/discord-replies.ts';
import { pickLocale, translate, type Locale } from '../../core/i18n/catalog.ts';
import type { QuotaScope, QuotaUsage } from '../../core/store/task-store.ts';
import type { Task } from '../../core/tasks/task.ts';
import { invoker, type Interaction } from './interaction.ts';
import { deferredReply, deferredUpdate, EPHEMERAL_FLAG, ephemeralReply } from './responses.ts';
import { reply, type Handled, type WorkDeps } from './work.ts';

const STATUS_LINES = 5;
const PROMPT_PREVIEW = 60;

type AccountWork = (deps: WorkDeps, userId: string, locale: Locale) => Promise<string>;

function accountCommand(interaction: Interaction, kind: string, answer: AccountWork): Handled {
  const locale = pickLocale(interaction.locale);
  const user = invoker(interaction);
  if (!user) return { kind, response: ephemeralReply(translate(locale, 'dc.error.internal')) };
  const ref = { applicationId: interaction.application_id, token: interaction.token };
  const work = async (deps: WorkDeps) => {
    const account = await deps.store.ensureUser('discord', user.id, user.name);
    await reply(deps, ref, { content: await answer(deps, account.id, locale) });
  };
  return { kind, response: deferredReply(true), work, replyOnFailure: { ref, locale } };
}

/** `/quota`: what is used of the daily and monthly limits. */
export function handleQuota(interaction: Interaction): Handled {
  return accountCommand(interaction, 'quota', async (deps, userId, locale) => {
    const usage = await deps.store.getQuotaUsage(userId);
    if (!usage) return translate(locale, 'dc.error.internal');
    const limit = (scope: QuotaScope) => formatLimit(locale, usage, scope);
    return translate(locale, 'quota.summary', {
      dailyUsed: usage.daily.used,
      dailyLimit: limit('daily'),
      monthlyUsed: usage.monthly.used,
      monthlyLimit: limit('monthly'),
    });
  });
}

function formatLimit(locale: Locale, usage: QuotaUsage, scope: QuotaScope): string {
  const value = usage[scope].limit;
  return value === null ? translate(locale, 'quota.unlimited') : String(value);
}

/** `/status`: the user's latest tasks, newest first. */
export function handleStatus(interaction: Interaction): Handled {
  return accountCommand(interaction, 'status', async (deps, userId, locale) => {
    const tasks = await deps.store.listUserTasks(userId, STATUS_LINES);
    if (tasks.length === 0) return translate(locale, 'dc.status.none');
    const lines = tasks.map((task) => `• ${statusLabel(locale, task)} · ${preview(task.prompt)}`);
    return [translate(locale, 'dc.status.header'), ...lines].join('\n');
  });
}

function statusLabel(locale: Locale, task: Task): string {
  const created = `<t:${Math.floor(task.createdAt.getTime() / 1000)}:R>`;
  const label = translate(locale, `dc.status.${task.status}`, { progress: task.progress });
  return `**${label}** (${created})`;
}

function preview(prompt: string): string {
  const line = prompt.replace(/\s+/g, ' ');
  return line.length > PROMPT_PREVIEW ? `${line.slice(0, PROMPT_PREVIEW - 1)}…` : line;
}

/** `/cancel`: cancels the user's newest unfinished task. */
export function handleCancel(interaction: Interaction): Handled {
  return accountCommand(interaction, 'cancel', async (deps, userId, locale) => {
    const tasks = await deps.store.listUserTasks(userId, 20);
    const running = tasks.find((task) => task.status === 'pending' || task.status === 'processing');
    const canceled = running
      ? await deps.service.cancel(running.id, `discord:${userId}`, userId)
      : null;
    if (!canceled) return translate(locale, 'dc.cancel.none');
    return translate(locale, 'dc.cancel.done', { prompt: preview(canceled.prompt) });
  });
}

/** The cancel button under a task's progress; only its owner may press it. */
export function handleCancelButton(interaction: Interaction, taskId: string): Handled {
  const locale = pickLocale(interaction.locale);
  const user = invoker(interaction);
  if (!user) return { kind: 'cancel_button', response: deferredUpdate() };
  const ref = { applicationId: interaction.application_id, token: interaction.token };
  const work = async (deps: WorkDeps) => {
    const account = await deps.store.ensureUser('discord', user.id, user.name);
    // The task's own reply turns into "Canceled." when the deliverer runs; nothing to edit here.
    const canceled = await deps.service.cancel(taskId, `discord:${account.id}`, account.id);
    if (canceled) return;
    const task = await deps.store.getTask(taskId);
    const key = task && task.userId !== account.id ? 'dc.cancel.not_owner' : 'dc.cancel.none';
    await sendFollowUp(deps.rest, ref, { content: translate(locale, key), flags: EPHEMERAL_FLAG });
  };
  return { kind: 'cancel_button', response: deferredUpdate(), work };
}
