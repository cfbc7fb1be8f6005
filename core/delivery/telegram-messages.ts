/**
 * What a Telegram chat sees of a task: the reply target the bot stores with it, the status
 * message's text in each state, and the buttons under a finished video. Shared by the webhook
 * (queued) and the deliverer (generating, delivering, done, failed).
 */
import { z } from 'zod';
import { failureReason, LOCALES, translate, type Locale } from '../i18n/catalog.ts';
import type { ReplyTarget, Task } from '../tasks/task.ts';
import type { ProgressPhase } from './delivery.ts';

export const telegramTargetSchema = z.object({
  kind: z.literal('telegram'),
  chatId: z.number().int(),
  /** The user's message the video answers. */
  replyToMessageId: z.number().int().optional(),
  /** The one message edited as the task moves. */
  statusMessageId: z.number().int().optional(),
  /** Forum topic, when the chat has topics. */
  messageThreadId: z.number().int().optional(),
  locale: z.enum(LOCALES),
});
export type TelegramTarget = z.infer<typeof telegramTargetSchema>;

/** The reply target of a task started from a Telegram chat. */
export function telegramTarget(target: Omit<TelegramTarget, 'kind'>): ReplyTarget {
  return { kind: 'telegram', ...target };
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}
export type InlineKeyboard = { inline_keyboard: InlineButton[][] };

/** Callback data of the buttons under a video (at most 64 bytes: a prefix and a task id). */
export const CALLBACK = { again: 'again:', newPrompt: 'np:' } as const;

/** The queued status, with the number of tasks ahead. */
export function queuedText(locale: Locale, ahead: number): string {
  return ahead <= 0
    ? translate(locale, 'task.queued_next')
    : translate(locale, 'task.queued', { position: ahead });
}

/** The status text for a task still being made. */
export function progressText(locale: Locale, task: Task, phase: ProgressPhase): string {
  if (phase === 'delivering') return translate(locale, 'task.delivering');
  return task.progress > 0
    ? translate(locale, 'task.generating', { progress: task.progress })
    : translate(locale, 'task.generating_started');
}

/** The status text for a task that ended. */
export function finalText(locale: Locale, task: Task): string {
  if (task.status === 'completed') return translate(locale, 'task.done');
  if (task.status === 'canceled') return translate(locale, 'task.canceled');
  return translate(locale, 'task.failed', { reason: failureReason(locale, task.errorCode) });
}

/** "Again" and "new prompt" under a video or a failure; a download button when given a link. */
export function videoKeyboard(locale: Locale, taskId: string, link?: string): InlineKeyboard {
  const rows: InlineButton[][] = [];
  if (link) rows.push([{ text: translate(locale, 'tg.button.open'), url: link }]);
  rows.push([
    { text: translate(locale, 'tg.button.again'), callback_data: `${CALLBACK.again}${taskId}` },
    {
      text: translate(locale, 'tg.button.new_prompt'),
      callback_data: `${CALLBACK.newPrompt}${taskId}`,
    },
  ]);
  return { inline_keyboard: rows };
}

/** Cuts text to Telegram's limit (1024 for captions, 4096 for messages). */
export function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
