/**
 * Starting a task from a chat: the status message goes out first (the user sees at once that
 * the bot heard them), then the image is copied from Telegram into R2 through the task service,
 * and the status message becomes "queued, position N" — or says why nothing was started. The
 * Telegram file link carries the bot token, so only bytes leave this module, never the link.
 */
import { telegramTarget, queuedText } from '../../core/delivery/telegram-messages.ts';
import type { AspectRatio } from '../../core/providers/provider.ts';
import { readObjectBytes } from '../../core/storage/object-store.ts';
import { SHOW_QUEUED_HOLD_SECONDS, type CreateTaskInput } from '../../core/tasks/create-task.ts';
import type { BotContext, TelegramBotDeps } from './bot-context.ts';
import { TELEGRAM_DOWNLOAD_LIMIT_BYTES, type ImageRef } from './intake.ts';
import { refusalText } from './replies.ts';

export interface TaskRequest {
  prompt: string;
  /**
   * A Telegram file, or the stored input of an earlier task ("again", "new prompt"; its last
   * frame comes along).
   */
  image?: ImageRef | { taskId: string };
  /** The album's last photo, used as the last frame where the provider takes one. */
  lastFrame?: ImageRef;
  /** The message the status and the video answer. */
  replyToMessageId: number;
  /** Parameters of an earlier task, when running it again. */
  provider?: string;
  durationSeconds?: number;
  ratio?: AspectRatio;
}

/** Sends the status message, creates the task and shows its place in the queue. */
export async function startTask(ctx: BotContext, request: TaskRequest): Promise<void> {
  const { deps } = ctx;
  const chatId = ctx.chat?.id;
  if (chatId === undefined) return;
  const threadId = ctx.msg?.message_thread_id;
  const place = threadId !== undefined ? { message_thread_id: threadId } : {};

  const status = await ctx.api.sendMessage(chatId, ctx.t('tg.received'), {
    ...place,
    reply_parameters: { message_id: request.replyToMessageId, allow_sending_without_reply: true },
  });
  const show = (text: string) =>
    ctx.api.editMessageText(chatId, status.message_id, text).catch(() => undefined);

  const image = await loadImage(ctx, request.image);
  const ending = request.lastFrame ? await loadImage(ctx, request.lastFrame) : null;
  if (!image.ok || (ending && !ending.ok)) {
    const reason = !image.ok ? image.reason : ending && !ending.ok ? ending.reason : null;
    if (reason) await show(ctx.t('tg.create_failed', { reason: ctx.t(reason) }));
    return;
  }
  const lastBytes = ending?.bytes ?? image.lastFrame ?? null;

  const input: CreateTaskInput = {
    userId: ctx.user.id,
    source: 'telegram',
    prompt: request.prompt,
    provider: request.provider ?? chosenProvider(ctx),
    durationSeconds: request.durationSeconds ?? ctx.settings.duration,
    ratio: request.ratio ?? ctx.settings.ratio,
    image: image.bytes ? { bytes: image.bytes } : undefined,
    // A provider without last frames still makes the video, from the first photo.
    ...(lastBytes ? { lastFrame: { bytes: lastBytes }, lastFrameIfSupported: true } : {}),
    replyTarget: telegramTarget({
      chatId,
      replyToMessageId: request.replyToMessageId,
      statusMessageId: status.message_id,
      locale: ctx.locale,
      ...(threadId !== undefined ? { messageThreadId: threadId } : {}),
    }),
  };

  let outcome;
  try {
    // Held until "queued" is shown, so the consumer's first progress edit always comes after.
    outcome = await deps.service.create({ ...input, holdSeconds: SHOW_QUEUED_HOLD_SECONDS });
  } catch (error) {
    // The database or storage is down: say so in the chat. The webhook was answered already,
    // so Telegram does not redeliver the update into a storm of retries.
    deps.logger.error('telegram.create_failed', { error: errorName(error), chatId });
    await show(ctx.t('tg.internal_error'));
    return;
  }
  if (!outcome.ok) {
    await show(refusalText(ctx.locale, outcome.error, deps.config.MAX_PROMPT_CHARS));
    return;
  }

  const { task } = outcome;
  deps.logger.info('telegram.task_created', { taskId: task.id, chatId });
  const ahead = await deps.store.queuePosition(task.id).catch(() => 0);
  const firstOnly =
    lastBytes && !task.params.lastFrame
      ? `\n${ctx.t('tg.first_photo_only', { provider: task.provider })}`
      : '';
  await show(queuedText(ctx.locale, ahead) + firstOnly);
  if (!outcome.created) return;
  // A failed release only delays the task: it starts when its hold runs out.
  await deps.service.release(task.id).catch((error: unknown) => {
    deps.logger.warn('telegram.release_failed', { taskId: task.id, error: errorName(error) });
  });
}

type LoadedImage =
  | { ok: true; bytes: Uint8Array | null; lastFrame?: Uint8Array }
  | {
      ok: false;
      reason: 'tg.reason.download_failed' | 'tg.reason.image_too_large' | 'tg.again_missing';
    };

async function loadImage(ctx: BotContext, image: TaskRequest['image']): Promise<LoadedImage> {
  if (!image) return { ok: true, bytes: null };
  const { deps } = ctx;
  if ('taskId' in image) {
    const task = await deps.store.getTask(image.taskId);
    if (!task?.inputKey) return { ok: false, reason: 'tg.again_missing' };
    const bytes = await readObjectBytes(deps.objects, task.inputKey);
    if (!bytes) return { ok: false, reason: 'tg.again_missing' };
    const ending = task.params.lastFrame;
    const lastFrame = ending ? await readObjectBytes(deps.objects, ending.key) : null;
    return { ok: true, bytes, ...(lastFrame ? { lastFrame } : {}) };
  }

  const downloaded = await deps.files.downloadFile(image.fileId, deps.config.MAX_IMAGE_BYTES);
  if (downloaded.ok) return { ok: true, bytes: downloaded.bytes };
  deps.logger.warn('telegram.download_failed', { code: downloaded.code });
  return {
    ok: false,
    reason:
      downloaded.code === 'too_large' ? 'tg.reason.image_too_large' : 'tg.reason.download_failed',
  };
}

// A provider chosen in /settings that this deployment no longer has falls back to the default.
export function chosenProvider(ctx: BotContext): string | undefined {
  const chosen = ctx.settings.provider;
  return chosen && ctx.deps.providers.get(chosen) ? chosen : undefined;
}

/**
 * The largest image worth downloading: the deployment's limit, Telegram's 20 MB download limit
 * and what the provider takes (the user's, when known, else the default one). A photo comes in
 * several sizes; the largest within this is used.
 */
export function imageLimit(deps: TelegramBotDeps, provider?: string): number {
  const { config, providers } = deps;
  const serving = providers.get(provider ?? providers.defaultName);
  return Math.min(
    config.MAX_IMAGE_BYTES,
    TELEGRAM_DOWNLOAD_LIMIT_BYTES,
    serving?.capabilities.maxImageBytes ?? Number.POSITIVE_INFINITY,
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}
