/** Builds the reply target a Discord task carries (core/delivery/discord-target.ts). */
import {
  DEFAULT_ATTACHMENT_LIMIT,
  type DiscordTarget,
} from '../../core/delivery/discord-target.ts';
import type { Locale } from '../../core/i18n/catalog.ts';
import { channelOf, type Interaction } from './interaction.ts';

/** Where this interaction's task reports: its reply, else its channel, for this user. */
export function replyTargetFor(
  interaction: Interaction,
  userId: string,
  locale: Locale,
  timestampMs: number,
): DiscordTarget {
  return {
    kind: 'discord',
    applicationId: interaction.application_id,
    token: interaction.token,
    interactionAt: timestampMs,
    channelId: channelOf(interaction),
    guildId: interaction.guild_id ?? null,
    userId,
    locale,
    attachmentSizeLimit: interaction.attachment_size_limit ?? DEFAULT_ATTACHMENT_LIMIT,
  };
}
