/**
 * `/video` and the "run again" button. What can be refused from the interaction alone (empty
 * prompt, a non-image or oversized attachment) is refused at once, ephemerally; otherwise the
 * reply is deferred and the task is created afterwards, the image copied into R2 first.
 */
import { queuedMessage } from '../../core/delivery/discord-messages.ts';
import type { InteractionRef } from '../../core/delivery/discord-replies.ts';
import type { DiscordTarget } from '../../core/delivery/discord-target.ts';
import { pickLocale, translate, type Locale } from '../../core/i18n/catalog.ts';
import { ASPECT_RATIOS, type AspectRatio } from '../../core/providers/provider.ts';
import { SHOW_QUEUED_HOLD_SECONDS, type CreateTaskInput } from '../../core/tasks/create-task.ts';
import { readObjectBytes } from '../../core/storage/object-store.ts';
import { attachmentRefusal, downloadAttachment } from './attachment.ts';
import {
  attachmentOption,
  integerOption,
  invoker,
  stringOption,
  type Interaction,
} from './interaction.ts';
import { refusalText } from './refusal.ts';
import { replyTargetFor } from './reply-target.ts';
import { deferredReply, ephemeralReply } from './responses.ts';
import { refuse, reply, type Handled, type WorkDeps } from './work.ts';

export interface VideoContext {
  timestampMs: number;
  maxImageBytes: number;
}

type TaskRequest = Omit<CreateTaskInput, 'source' | 'replyTarget'>;

/** Handles `/video prompt image last_frame duration ratio provider`. */
export function handleVideo(interaction: Interaction, context: VideoContext): Handled {
  const locale = pickLocale(interaction.locale);
  const user = invoker(interaction);
  if (!user)
    return { kind: 'video', response: ephemeralReply(translate(locale, 'dc.error.internal')) };

  const prompt = stringOption(interaction, 'prompt')?.trim() ?? '';
  if (!prompt) {
    return { kind: 'video', response: ephemeralReply(translate(locale, 'dc.video.empty_prompt')) };
  }
  const given = (name: string) => interaction.data?.options?.some((o) => o.name === name);
  const attachment = attachmentOption(interaction, 'image');
  const ending = attachmentOption(interaction, 'last_frame');
  if ((given('image') && !attachment) || (given('last_frame') && !ending)) {
    const text = translate(locale, 'dc.video.not_image', { type: '?' });
    return { kind: 'video', response: ephemeralReply(text) };
  }
  if (ending && !attachment) {
    const text = translate(locale, 'dc.video.last_frame_alone');
    return { kind: 'video', response: ephemeralReply(text) };
  }
  for (const file of [attachment, ending]) {
    const refusal = file ? attachmentRefusal(file, context.maxImageBytes, locale) : null;
    if (refusal) return { kind: 'video', response: ephemeralReply(refusal) };
  }

  const ratio = stringOption(interaction, 'ratio');
  const target = replyTargetFor(interaction, user.id, locale, context.timestampMs);
  const work = async (deps: WorkDeps) => {
    const account = await deps.store.ensureUser('discord', user.id, user.name);
    const download = (url: string) =>
      downloadAttachment(url, {
        maxBytes: deps.config.MAX_IMAGE_BYTES,
        apiBase: deps.config.DISCORD_API_BASE,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
    const [bytes, lastBytes] = await Promise.all([
      attachment ? download(attachment.url) : null,
      ending ? download(ending.url) : null,
    ]);
    if ((attachment && !bytes) || (ending && !lastBytes)) {
      return refuse(deps, target, translate(locale, 'dc.video.download_failed'));
    }
    const image: TaskRequest['image'] = bytes ? { bytes } : undefined;
    await startTask(deps, target, {
      userId: account.id,
      prompt,
      provider: stringOption(interaction, 'provider')?.trim() || undefined,
      durationSeconds: integerOption(interaction, 'duration'),
      ratio: ASPECT_RATIOS.includes(ratio as AspectRatio) ? (ratio as AspectRatio) : undefined,
      image,
      lastFrame: lastBytes ? { bytes: lastBytes } : undefined,
      idempotencyKey: `discord:${interaction.id}`,
    });
  };
  return {
    kind: 'video',
    response: deferredReply(false),
    work,
    replyOnFailure: { ref: target, locale },
  };
}

/** Handles the "run again" button: the same prompt, image and settings, as a new task. */
export function handleRunAgain(
  interaction: Interaction,
  taskId: string,
  context: VideoContext,
): Handled {
  const locale = pickLocale(interaction.locale);
  const user = invoker(interaction);
  if (!user)
    return { kind: 'again', response: ephemeralReply(translate(locale, 'dc.error.internal')) };
  const target = replyTargetFor(interaction, user.id, locale, context.timestampMs);

  const work = async (deps: WorkDeps) => {
    const account = await deps.store.ensureUser('discord', user.id, user.name);
    const original = await deps.store.getTask(taskId);
    if (!original) return refuse(deps, target, translate(locale, 'dc.again.gone'));
    // The image and the quota are the asker's: nobody else reruns their request.
    if (original.userId !== account.id) {
      return refuse(deps, target, translate(locale, 'dc.again.not_owner'));
    }
    const read = (key: string) => readObjectBytes(deps.objects, key);
    const bytes = original.inputKey ? await read(original.inputKey) : null;
    const ending = original.params.lastFrame;
    const lastBytes = ending ? await read(ending.key) : null;
    if ((original.inputKey && !bytes) || (ending && !lastBytes)) {
      return refuse(deps, target, translate(locale, 'dc.again.gone'));
    }
    const image: TaskRequest['image'] = bytes ? { bytes } : undefined;
    await startTask(deps, target, {
      userId: account.id,
      prompt: original.prompt,
      provider: original.provider,
      model: original.model ?? undefined,
      durationSeconds: original.params.duration,
      ratio: original.params.ratio,
      image,
      lastFrame: lastBytes ? { bytes: lastBytes } : undefined,
      idempotencyKey: `discord:${interaction.id}`,
    });
  };
  return {
    kind: 'again',
    response: deferredReply(false),
    work,
    replyOnFailure: { ref: target, locale },
  };
}

async function startTask(deps: WorkDeps, target: DiscordTarget, request: TaskRequest) {
  const locale: Locale = target.locale;
  const ref: InteractionRef = target;
  // Held until "queued" is shown, so the consumer's first progress edit always comes after it.
  const outcome = await deps.service.create({
    ...request,
    source: 'discord',
    replyTarget: target,
    holdSeconds: SHOW_QUEUED_HOLD_SECONDS,
  });
  if (!outcome.ok) return refuse(deps, ref, refusalText(locale, outcome.error, request.provider));

  const { task } = outcome;
  deps.logger.info('discord.task_created', { taskId: task.id, created: outcome.created });
  try {
    const ahead = await deps.store.queuePosition(task.id);
    if (task.status === 'pending') await reply(deps, ref, queuedMessage(locale, task.id, ahead));
  } finally {
    if (outcome.created) await release(deps, task.id);
  }
}

// A failed release only delays the task: it starts when its hold runs out.
async function release(deps: WorkDeps, taskId: string): Promise<void> {
  try {
    await deps.service.release(taskId);
  } catch (error) {
    deps.logger.warn('discord.release_failed', { taskId, error: errorName(error) });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}
