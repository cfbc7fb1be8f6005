/**
 * What the bot remembers per user, in `users.settings` (jsonb): defaults chosen in /settings,
 * the language chosen with /lang, an image waiting for its prompt, and whether a banned user
 * was told. Read leniently: a bad or old value is dropped, never fatal.
 */
import { z } from 'zod';
import { ASPECT_RATIOS } from '../../core/providers/provider.ts';
import { LOCALES } from '../../core/i18n/catalog.ts';

/**
 * An image waiting for its prompt: a Telegram file (with the last photo of its album, if it
 * came in one), or the input of an earlier task.
 */
const pendingSchema = z.union([
  z.object({
    chatId: z.number().int(),
    at: z.number(),
    fileId: z.string().min(1),
    lastFileId: z.string().min(1).optional(),
  }),
  z.object({ chatId: z.number().int(), at: z.number(), taskId: z.uuid() }),
]);
export type PendingImage = z.infer<typeof pendingSchema>;

const settingsSchema = z.object({
  duration: z.number().int().positive().optional().catch(undefined),
  ratio: z.enum(ASPECT_RATIOS).optional().catch(undefined),
  provider: z.string().min(1).optional().catch(undefined),
  lang: z.enum(LOCALES).optional().catch(undefined),
  pending: pendingSchema.optional().catch(undefined),
  banNotified: z.boolean().optional().catch(undefined),
});
export type TelegramSettings = z.infer<typeof settingsSchema>;

/** A pending image is forgotten after this long. */
export const PENDING_TTL_MS = 60 * 60 * 1000;

/** The user's settings, with anything unreadable left out. */
export function readSettings(raw: Record<string, unknown>): TelegramSettings {
  const parsed = settingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

/** The pending image for this chat, if it is recent enough. */
export function pendingFor(
  settings: TelegramSettings,
  chatId: number,
  now: number,
): PendingImage | null {
  const pending = settings.pending;
  if (!pending || pending.chatId !== chatId || now - pending.at > PENDING_TTL_MS) return null;
  return pending;
}
