/**
 * What a Discord task remembers about its origin (its reply target): the interaction that asked
 * for it, so the deliverer can edit that reply, and the channel and user for the fallback once
 * the interaction token has expired.
 */
import { z } from 'zod';

/** Interaction tokens are valid for 15 minutes after the interaction was created. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60 * 1000;
// An upload can take a while; stop using the token a little before it dies.
const TOKEN_MARGIN_MS = 60 * 1000;

/** Discord's per-attachment limit when the interaction does not say (10 MiB). */
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

const snowflake = z.string().regex(/^\d{1,20}$/);

export const discordTargetSchema = z.object({
  kind: z.literal('discord'),
  applicationId: snowflake,
  /** The interaction token: a short-lived credential for this one reply. */
  // LIMITATION: the token sits in video_tasks.reply_target for the task's life (it is useless
  // 15 minutes after the interaction); anything that shows raw reply targets must hide it.
  token: z.string().min(1).max(500),
  /** When the interaction was created (ms since epoch); the token lives 15 minutes from it. */
  interactionAt: z.number().int(),
  channelId: snowflake.nullable(),
  guildId: snowflake.nullable(),
  userId: snowflake,
  locale: z.enum(['en', 'zh']),
  attachmentSizeLimit: z.number().int().positive(),
});
export type DiscordTarget = z.infer<typeof discordTargetSchema>;

/** The task's Discord target, or null when it is not one (or is malformed). */
export function parseDiscordTarget(value: unknown): DiscordTarget | null {
  const parsed = discordTargetSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** True while the interaction token can still edit the reply (with a margin for uploads). */
export function tokenAlive(target: DiscordTarget, now: number): boolean {
  return now - target.interactionAt < INTERACTION_TOKEN_TTL_MS - TOKEN_MARGIN_MS;
}
