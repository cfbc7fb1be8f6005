/**
 * The part of a Telegram Update the bot reads, checked with zod at the edge. Unknown fields
 * pass through untouched (the Bot API grows), but every field the handlers use has its type
 * checked before grammY sees the update.
 */
import { z } from 'zod';

const userSchema = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean(),
  first_name: z.string(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

const chatSchema = z.looseObject({
  id: z.number().int(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
});

const photoSizeSchema = z.looseObject({
  file_id: z.string().min(1),
  file_unique_id: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  file_size: z.number().int().optional(),
});

const documentSchema = z.looseObject({
  file_id: z.string().min(1),
  file_unique_id: z.string(),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
  file_size: z.number().int().optional(),
});

const entitySchema = z.looseObject({
  type: z.string(),
  offset: z.number().int().min(0),
  length: z.number().int().min(0),
});

const baseMessageShape = {
  message_id: z.number().int(),
  message_thread_id: z.number().int().optional(),
  date: z.number().int(),
  chat: chatSchema,
  from: userSchema.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(entitySchema).optional(),
  caption_entities: z.array(entitySchema).optional(),
  photo: z.array(photoSizeSchema).optional(),
  document: documentSchema.optional(),
  media_group_id: z.string().min(1).max(64).optional(),
};

const repliedMessageSchema = z.looseObject(baseMessageShape);
const messageSchema = z.looseObject({
  ...baseMessageShape,
  reply_to_message: repliedMessageSchema.optional(),
});

const callbackQuerySchema = z.looseObject({
  id: z.string(),
  from: userSchema,
  message: z.looseObject({ message_id: z.number().int(), chat: chatSchema }).optional(),
  data: z.string().max(64).optional(),
});

export const updateSchema = z.looseObject({
  update_id: z.number().int().min(0),
  message: messageSchema.optional(),
  edited_message: z.unknown().optional(),
  callback_query: callbackQuerySchema.optional(),
});

export type TelegramUpdate = z.infer<typeof updateSchema>;
export type TelegramMessage = z.infer<typeof messageSchema>;
export type RepliedMessage = z.infer<typeof repliedMessageSchema>;
