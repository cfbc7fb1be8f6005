/**
 * The Deliverer for tasks that came from a Discord interaction. Progress edits the original
 * (deferred) reply; the finished video goes into that reply as an attachment when it fits the
 * interaction's attachment_size_limit, else as an embed with a link. After the interaction
 * token's 15 minutes (or when Discord refuses it), the result is posted in the channel with
 * the bot token, mentioning the user. Every failure is a value; the video is never regenerated.
 */
import type { Config } from '../config.ts';
import type { Task } from '../tasks/task.ts';
import type { Deliverer, DelivererMap, DeliveryContext, DeliveryResult } from './delivery.ts';
import {
  finalMessage,
  mentioning,
  progressMessage,
  type DiscordMessage,
} from './discord-messages.ts';
import { editOriginal, isExpiredToken, isTooLarge, postChannelMessage } from './discord-replies.ts';
import {
  createDiscordRest,
  type DiscordResponse,
  type DiscordRest,
  type UploadFile,
} from './discord-rest.ts';
import { parseDiscordTarget, tokenAlive, type DiscordTarget } from './discord-target.ts';

export interface DiscordDelivererOptions {
  apiBase: string;
  botToken?: string | undefined;
  /** How long the video links handed out stay valid (shown to the user). */
  linkTtlSeconds: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Injected in tests; built from apiBase and botToken otherwise. */
  rest?: DiscordRest;
}

export class DiscordProgressError extends Error {
  override readonly name = 'DiscordProgressError';
  readonly code = 'discord_progress_failed';
}

/** Delivers to `replyTarget.kind === 'discord'`. */
export function createDiscordDeliverer(options: DiscordDelivererOptions): Deliverer {
  const now = options.now ?? Date.now;
  const rest =
    options.rest ??
    createDiscordRest({
      apiBase: options.apiBase,
      botToken: options.botToken,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  const hours = Math.max(1, Math.round(options.linkTtlSeconds / 3600));

  // The reply while the token lives; the channel (as the bot) once it is gone.
  async function send(
    target: DiscordTarget,
    task: Task,
    message: DiscordMessage,
    file?: UploadFile,
  ): Promise<DiscordResponse> {
    if (tokenAlive(target, now())) {
      const edited = await editOriginal(rest, target, message, file);
      if (edited.ok || !isExpiredToken(edited)) return edited;
    }
    // LIMITATION: the fallback needs the bot to be able to post there (a guild member with Send
    // Messages and Attach Files, or its own DM); otherwise delivery fails and is retried.
    if (!target.channelId) {
      return { ok: false, status: 0, retryable: false, message: 'token expired, no channel' };
    }
    const post = {
      ...mentioning(target.locale, target.userId, message),
      // Discord returns the earlier message for a repeated nonce: a retried post is no duplicate.
      nonce: task.id.replaceAll('-', '').slice(0, 25),
      enforce_nonce: true,
    };
    return postChannelMessage(rest, target.channelId, post, file);
  }

  async function deliverVideo(
    target: DiscordTarget,
    task: Task,
    context: DeliveryContext,
  ): Promise<DiscordResponse> {
    const size = task.outputBytes;
    if (size !== null && size <= target.attachmentSizeLimit) {
      const file: UploadFile = {
        name: `reelbot-${task.id.slice(0, 8)}.mp4`,
        contentType: 'video/mp4',
        size,
        open: async () => (await context.openVideo())?.body ?? null,
      };
      const message = finalMessage(target.locale, task, {
        kind: 'attachment',
        filename: file.name,
      });
      const sent = await send(target, task, message, file);
      if (sent.ok || !isTooLarge(sent)) return sent;
    }
    if (!context.videoUrl) {
      return { ok: false, status: 0, retryable: false, message: 'no link to the video' };
    }
    const link = { kind: 'link', url: context.videoUrl, hours } as const;
    return send(target, task, finalMessage(target.locale, task, link));
  }

  return {
    async deliver(task, context): Promise<DeliveryResult> {
      const target = parseDiscordTarget(task.replyTarget);
      if (!target) return { ok: false, retryable: false, message: 'not a Discord reply target' };

      const result =
        task.status === 'completed'
          ? await deliverVideo(target, task, context)
          : await send(target, task, finalMessage(target.locale, task, { kind: 'none' }));
      if (result.ok) return { ok: true };
      return {
        ok: false,
        retryable: result.retryable,
        message: result.message,
        ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
      };
    },

    async progress(task, phase) {
      const target = parseDiscordTarget(task.replyTarget);
      // Past the token's life there is no reply to edit; the channel only gets the result.
      if (!target || !tokenAlive(target, now())) return;
      const edited = await editOriginal(rest, target, progressMessage(target.locale, task, phase));
      // A rate-limited progress edit is skipped: the next poll shows newer progress anyway. A
      // refused token is not an error either: the result will go to the channel.
      if (edited.ok || edited.status === 429 || isExpiredToken(edited)) return;
      throw new DiscordProgressError(edited.message);
    },
  };
}

/** The Discord deliverer when Discord is configured (DISCORD_APPLICATION_ID set), else none. */
export function discordDeliverers(config: Config): DelivererMap {
  if (!config.DISCORD_APPLICATION_ID) return {};
  const deliverer = createDiscordDeliverer({
    apiBase: config.DISCORD_API_BASE,
    botToken: config.DISCORD_BOT_TOKEN,
    linkTtlSeconds: config.VIDEO_LINK_TTL_SECONDS,
  });
  return { discord: deliverer };
}
