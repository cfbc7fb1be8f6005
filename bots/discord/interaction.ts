/**
 * The parts of a Discord interaction payload reelbot reads, validated with zod (unknown fields
 * are kept and ignored), and small accessors for the invoking user, channel and options.
 */
import { z } from 'zod';

const snowflake = z.string().regex(/^\d{1,20}$/);

const userSchema = z.looseObject({
  id: snowflake,
  username: z.string().optional(),
  global_name: z.string().nullable().optional(),
});

export const attachmentSchema = z.looseObject({
  id: snowflake,
  filename: z.string(),
  size: z.number().int().min(0),
  url: z.string(),
  content_type: z.string().optional(),
});
export type DiscordAttachment = z.infer<typeof attachmentSchema>;

const optionSchema = z.looseObject({
  name: z.string(),
  type: z.number().int(),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

export const interactionSchema = z.looseObject({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(500),
  data: z
    .looseObject({
      name: z.string().optional(),
      custom_id: z.string().optional(),
      options: z.array(optionSchema).optional(),
      resolved: z
        .looseObject({ attachments: z.record(z.string(), attachmentSchema).optional() })
        .optional(),
    })
    .optional(),
  guild_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  channel: z.looseObject({ id: snowflake }).optional(),
  // In a guild the user comes inside `member`; in a DM as `user`.
  member: z.looseObject({ user: userSchema, nick: z.string().nullable().optional() }).optional(),
  user: userSchema.optional(),
  locale: z.string().optional(),
  guild_locale: z.string().optional(),
  attachment_size_limit: z.number().int().positive().optional(),
});
export type Interaction = z.infer<typeof interactionSchema>;

export const InteractionKind = { PING: 1, COMMAND: 2, COMPONENT: 3 } as const;

/** The user who invoked the interaction, with a display name, in guilds and DMs alike. */
export function invoker(interaction: Interaction): { id: string; name: string } | null {
  const user = interaction.member?.user ?? interaction.user;
  if (!user) return null;
  const name = interaction.member?.nick ?? user.global_name ?? user.username ?? user.id;
  return { id: user.id, name };
}

/** The channel the interaction came from (`channel_id` is deprecated in favour of `channel`). */
export function channelOf(interaction: Interaction): string | null {
  return interaction.channel?.id ?? interaction.channel_id ?? null;
}

/** A top-level option's value, when present and of the asked type. */
export function stringOption(interaction: Interaction, name: string): string | undefined {
  const value = interaction.data?.options?.find((option) => option.name === name)?.value;
  return typeof value === 'string' ? value : undefined;
}

export function integerOption(interaction: Interaction, name: string): number | undefined {
  const value = interaction.data?.options?.find((option) => option.name === name)?.value;
  return typeof value === 'number' ? value : undefined;
}

/** The attachment an option points at, from `data.resolved.attachments`. */
export function attachmentOption(
  interaction: Interaction,
  name: string,
): DiscordAttachment | undefined {
  const id = interaction.data?.options?.find((option) => option.name === name)?.value;
  if (typeof id !== 'string') return undefined;
  return interaction.data?.resolved?.attachments?.[id];
}
