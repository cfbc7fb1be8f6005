/**
 * Telegram delivery (replyTarget kind 'telegram'): the task's status message is edited as it
 * moves, and the finished video is sent as a reply to the user's message, uploaded when within
 * the Bot API's 50 MB limit, else as a link, with "again" and "new prompt" buttons. Rate limits
 * (429 retry_after) and server faults come back as retryable results; the caller reschedules
 * delivery without regenerating anything.
 */
import type { Task } from '../tasks/task.ts';
import type { Deliverer, DeliveryContext, DeliveryResult } from './delivery.ts';
import {
  createTelegramApi,
  describeFailure,
  isRetryableFailure,
  type TelegramApi,
  type TelegramFailure,
  type TelegramResult,
} from './telegram-api.ts';
import {
  clip,
  finalText,
  progressText,
  telegramTargetSchema,
  videoKeyboard,
  type InlineKeyboard,
  type TelegramTarget,
} from './telegram-messages.ts';
import { translate } from '../i18n/catalog.ts';

/** The cloud Bot API's upload limit for bots. */
export const TELEGRAM_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;
const CAPTION_LIMIT = 1024;

export interface TelegramDelivererOptions {
  token: string;
  apiRoot?: string;
  fetch?: typeof fetch;
  /** Videos above this are sent as a link (default 50 MB, the cloud Bot API's limit). */
  maxUploadBytes?: number;
  /** How long video links stay valid, shown to the user. */
  linkTtlSeconds: number;
}

/** Delivers to `replyTarget.kind === 'telegram'`. */
export function createTelegramDeliverer(options: TelegramDelivererOptions): Deliverer {
  const api = createTelegramApi({
    token: options.token,
    ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return telegramDelivererOver(api, options);
}

/** The deliverer over a given client (tests inject one). */
export function telegramDelivererOver(
  api: TelegramApi,
  options: Pick<TelegramDelivererOptions, 'maxUploadBytes' | 'linkTtlSeconds'>,
): Deliverer {
  const maxUpload = options.maxUploadBytes ?? TELEGRAM_UPLOAD_LIMIT_BYTES;

  return {
    async progress(task, phase) {
      const target = parseTarget(task);
      if (!target?.statusMessageId) return;
      if (phase === 'delivering') await chatAction(api, target);
      const edited = await editStatus(api, target, progressText(target.locale, task, phase));
      if (!edited.ok && !notModified(edited)) throw new Error(describeFailure(edited));
    },

    async deliver(task, context) {
      const target = parseTarget(task);
      if (!target) return { ok: false, retryable: false, message: 'not a Telegram reply target' };
      if (task.status === 'completed') return deliverVideo(api, target, task, context);

      const keyboard = task.status === 'failed' ? videoKeyboard(target.locale, task.id) : null;
      return report(api, target, finalText(target.locale, task), keyboard);
    },
  };

  async function deliverVideo(
    api: TelegramApi,
    target: TelegramTarget,
    task: Task,
    context: DeliveryContext,
  ): Promise<DeliveryResult> {
    const { locale } = target;
    await chatAction(api, target);
    const video =
      task.outputBytes !== null && task.outputBytes <= maxUpload ? await context.openVideo() : null;

    let sent: TelegramResult<unknown>;
    if (video && video.size <= maxUpload) {
      sent = await api.upload(
        'sendVideo',
        {
          ...place(target),
          caption: clip(task.prompt, CAPTION_LIMIT),
          supports_streaming: true,
          reply_markup: videoKeyboard(locale, task.id),
        },
        { field: 'video', filename: 'video.mp4', contentType: 'video/mp4', ...video },
      );
    } else {
      await video?.body.cancel();
      if (!context.videoUrl) {
        return { ok: false, retryable: false, message: 'the video has no link to send' };
      }
      const hours = Math.max(1, Math.round(options.linkTtlSeconds / 3600));
      sent = await api.call('sendMessage', {
        ...place(target),
        text: clip(translate(locale, 'task.done_link', { hours, url: context.videoUrl }), 4096),
        reply_markup: videoKeyboard(locale, task.id, context.videoUrl),
      });
    }
    if (!sent.ok) return failed(sent);

    // The video is out; a status edit that fails now must not cause it to be sent again.
    await editStatus(api, target, finalText(locale, task));
    return { ok: true };
  }
}

function parseTarget(task: Task): TelegramTarget | null {
  const parsed = telegramTargetSchema.safeParse(task.replyTarget);
  return parsed.success ? parsed.data : null;
}

// Where a new message goes: the chat (and topic), as a reply to the user's message if it
// still exists.
function place(target: TelegramTarget) {
  return {
    chat_id: target.chatId,
    ...(target.messageThreadId !== undefined ? { message_thread_id: target.messageThreadId } : {}),
    ...(target.replyToMessageId !== undefined
      ? {
          reply_parameters: {
            message_id: target.replyToMessageId,
            allow_sending_without_reply: true,
          },
        }
      : {}),
  };
}

async function chatAction(api: TelegramApi, target: TelegramTarget): Promise<void> {
  // Only a hint to the user; its failure changes nothing.
  await api.call('sendChatAction', {
    chat_id: target.chatId,
    action: 'upload_video',
    ...(target.messageThreadId !== undefined ? { message_thread_id: target.messageThreadId } : {}),
  });
}

function editStatus(
  api: TelegramApi,
  target: TelegramTarget,
  text: string,
  keyboard: InlineKeyboard | null = null,
): Promise<TelegramResult<unknown>> {
  if (target.statusMessageId === undefined) {
    return Promise.resolve({ ok: true, result: null });
  }
  return api.call('editMessageText', {
    chat_id: target.chatId,
    message_id: target.statusMessageId,
    text,
    ...(keyboard ? { reply_markup: keyboard } : {}),
  });
}

// A final state without a video: edit the status message, or send a new one if there is none
// (or it was deleted).
async function report(
  api: TelegramApi,
  target: TelegramTarget,
  text: string,
  keyboard: InlineKeyboard | null,
): Promise<DeliveryResult> {
  if (target.statusMessageId !== undefined) {
    const edited = await editStatus(api, target, text, keyboard);
    if (edited.ok || notModified(edited)) return { ok: true };
    if (isRetryableFailure(edited)) return failed(edited);
  }
  const sent = await api.call('sendMessage', {
    ...place(target),
    text,
    ...(keyboard ? { reply_markup: keyboard } : {}),
  });
  return sent.ok ? { ok: true } : failed(sent);
}

function notModified(failure: TelegramFailure): boolean {
  return failure.kind === 'api' && /message is not modified/i.test(failure.description);
}

function failed(failure: TelegramFailure): DeliveryResult {
  return {
    ok: false,
    retryable: isRetryableFailure(failure),
    message: describeFailure(failure),
    ...(failure.kind === 'api' && failure.retryAfterMs !== undefined
      ? { retryAfterMs: failure.retryAfterMs }
      : {}),
  };
}
