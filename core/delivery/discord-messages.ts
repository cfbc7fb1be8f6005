/**
 * The messages the Discord frontend shows for a task (queued, progress, done, failed,
 * canceled), in the user's locale, with the buttons that go with each state. Buttons carry
 * custom ids `rb:again:<taskId>` and `rb:cancel:<taskId>`, handled by bots/discord.
 */
import { failureReason, translate, type Locale } from '../i18n/catalog.ts';
import type { ProgressPhase } from './delivery.ts';
import type { Task } from '../tasks/task.ts';

export const AGAIN_PREFIX = 'rb:again:';
export const CANCEL_PREFIX = 'rb:cancel:';

const BUTTON = 2;
const ACTION_ROW = 1;
const STYLE_PRIMARY = 1;
const STYLE_SECONDARY = 2;
const BRAND_COLOUR = 0x5865f2;

export interface DiscordButton {
  type: typeof BUTTON;
  style: number;
  label: string;
  custom_id: string;
}

export interface ActionRow {
  type: typeof ACTION_ROW;
  components: DiscordButton[];
}

export interface DiscordMessage {
  content?: string;
  embeds?: { title: string; url: string; description: string; color: number }[];
  components?: ActionRow[];
  attachments?: { id: number; filename: string; description?: string }[];
  allowed_mentions?: { parse: string[]; users?: string[] };
  flags?: number;
}

/** How the finished video travels: as an attachment, as a link, or not at all. */
export type VideoCarrier =
  | { kind: 'attachment'; filename: string }
  | { kind: 'link'; url: string; hours: number }
  | { kind: 'none' };

function row(...buttons: DiscordButton[]): ActionRow[] {
  return [{ type: ACTION_ROW, components: buttons }];
}

function cancelButton(locale: Locale, taskId: string): DiscordButton {
  const label = translate(locale, 'dc.button.cancel');
  return { type: BUTTON, style: STYLE_SECONDARY, label, custom_id: `${CANCEL_PREFIX}${taskId}` };
}

function againButton(locale: Locale, taskId: string): DiscordButton {
  const label = translate(locale, 'dc.button.again');
  return { type: BUTTON, style: STYLE_PRIMARY, label, custom_id: `${AGAIN_PREFIX}${taskId}` };
}

/** "Queued" with the number of tasks ahead, and a cancel button. */
export function queuedMessage(locale: Locale, taskId: string, ahead: number): DiscordMessage {
  const content =
    ahead <= 0
      ? translate(locale, 'task.queued_next')
      : translate(locale, 'task.queued', { position: ahead });
  return { content, components: row(cancelButton(locale, taskId)), allowed_mentions: noPings() };
}

/** Progress while the provider works, or the upload notice before delivery. */
export function progressMessage(locale: Locale, task: Task, phase: ProgressPhase): DiscordMessage {
  if (phase === 'delivering') {
    return { content: translate(locale, 'task.delivering'), components: [] };
  }
  const content =
    task.progress > 0
      ? translate(locale, 'task.generating', { progress: task.progress })
      : translate(locale, 'task.generating_started');
  return { content, components: row(cancelButton(locale, task.id)), allowed_mentions: noPings() };
}

/** The final message for a finished task. */
export function finalMessage(locale: Locale, task: Task, video: VideoCarrier): DiscordMessage {
  const again = row(againButton(locale, task.id));
  if (task.status === 'canceled') {
    return { content: translate(locale, 'task.canceled'), components: [], attachments: [] };
  }
  if (task.status !== 'completed') {
    const reason = failureReason(locale, task.errorCode);
    return { content: translate(locale, 'task.failed', { reason }), components: again };
  }
  const done = translate(locale, 'task.done');
  if (video.kind === 'attachment') {
    return {
      content: done,
      attachments: [{ id: 0, filename: video.filename, description: task.prompt.slice(0, 1000) }],
      embeds: [],
      components: again,
    };
  }
  if (video.kind === 'link') {
    const embed = {
      title: translate(locale, 'dc.embed.title'),
      url: video.url,
      description: translate(locale, 'dc.embed.too_large', { hours: video.hours }),
      color: BRAND_COLOUR,
    };
    return { content: done, embeds: [embed], attachments: [], components: again };
  }
  return { content: done, components: again };
}

/** The same message posted in the channel, mentioning (and only pinging) the user. */
export function mentioning(
  locale: Locale,
  userId: string,
  message: DiscordMessage,
): DiscordMessage {
  const note = translate(locale, 'dc.fallback.note');
  return {
    ...message,
    content: `<@${userId}> ${message.content ?? ''}\n${note}`,
    allowed_mentions: { parse: [], users: [userId] },
  };
}

// Prompts are user text: never let them ping @everyone or roles.
function noPings(): { parse: string[] } {
  return { parse: [] };
}
