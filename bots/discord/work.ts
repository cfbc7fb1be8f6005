/**
 * What runs after the deferred response has left (in `waitUntil`): the dependencies it gets,
 * and the ways it answers the user — edit the reply, or replace it with an ephemeral note.
 */
import type { Config } from '../../core/config.ts';
import type { Locale } from '../../core/i18n/catalog.ts';
import type { DiscordMessage } from '../../core/delivery/discord-messages.ts';
import {
  deleteOriginal,
  editOriginal,
  sendFollowUp,
  type InteractionRef,
} from '../../core/delivery/discord-replies.ts';
import type { DiscordRest } from '../../core/delivery/discord-rest.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import type { TaskStore } from '../../core/store/task-store.ts';
import type { Logger, TaskService } from '../../core/tasks/service.ts';
import { EPHEMERAL_FLAG } from './responses.ts';

export interface WorkDeps {
  config: Config;
  store: TaskStore;
  service: TaskService;
  objects: ObjectStore;
  rest: DiscordRest;
  logger: Logger;
  fetch?: typeof fetch;
}

export type Work = (deps: WorkDeps) => Promise<void>;

/** The immediate answer to an interaction, and the work to do once it has been sent. */
export interface Handled {
  response: Response;
  work?: Work;
  /** For the log line: which command or button this was. */
  kind: string;
  /** The deferred reply to turn into an apology if `work` throws. */
  replyOnFailure?: { ref: InteractionRef; locale: Locale };
}

/** Replaces the reply's text (and clears its buttons unless the message sets them). */
export async function reply(deps: WorkDeps, ref: InteractionRef, message: DiscordMessage) {
  const result = await editOriginal(deps.rest, ref, {
    components: [],
    allowed_mentions: { parse: [] },
    ...message,
  });
  if (!result.ok) deps.logger.warn('discord.reply_failed', { reason: result.message });
}

/**
 * Tells only the user why nothing happened: an ephemeral follow-up, then the public
 * "thinking…" placeholder is removed so the channel is not left with a dangling reply.
 */
export async function refuse(deps: WorkDeps, ref: InteractionRef, content: string) {
  const note = await sendFollowUp(deps.rest, ref, {
    content,
    flags: EPHEMERAL_FLAG,
    allowed_mentions: { parse: [] },
  });
  if (!note.ok) {
    await reply(deps, ref, { content });
    return;
  }
  await deleteOriginal(deps.rest, ref);
}
