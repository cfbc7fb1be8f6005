import { describe, expect, it } from 'vitest';
import { isAddressedToBot, promptOf, readIntake } from './intake.ts';
import type { TelegramMessage } from './update-schema.ts';

const bot = { id: 42, username: 'reelbot_test_bot' };
const MB = 1024 * 1024;

function message(fields: Partial<TelegramMessage> = {}): TelegramMessage {
  return {
    message_id: 1,
    date: 0,
    chat: { id: 7, type: 'private' },
    from: { id: 7, is_bot: false, first_name: 'Ada' },
    ...fields,
  };
}

const size = (fileId: string, bytes: number) => ({
  file_id: fileId,
  file_unique_id: fileId,
  width: 1,
  height: 1,
  file_size: bytes,
});

describe('readIntake', () => {
  it('takes the largest photo size within the limit, with the caption as prompt', () => {
    const photo = [size('small', 1000), size('medium', 2 * MB), size('huge', 12 * MB)];
    expect(readIntake(message({ photo, caption: ' waves ' }), bot, 10 * MB)).toEqual({
      kind: 'image',
      image: { fileId: 'medium', fileSize: 2 * MB },
      prompt: 'waves',
    });
  });

  it('reports a photo whose every size is over the limit as too large', () => {
    const photo = [size('a', 11 * MB)];
    expect(readIntake(message({ photo, caption: 'x' }), bot, 10 * MB)).toEqual({
      kind: 'too_large',
      bytes: 11 * MB,
    });
  });

  it('waits for a prompt for a photo alone, and hands album photos to the album', () => {
    const photo = [size('a', 10)];
    expect(readIntake(message({ photo }), bot, MB)).toMatchObject({ kind: 'image', prompt: '' });
    for (const caption of [undefined, 'go']) {
      expect(
        readIntake(
          message({ photo, media_group_id: 'g', ...(caption ? { caption } : {}) }),
          bot,
          MB,
        ),
      ).toEqual({ kind: 'album', mediaGroupId: 'g' });
    }
  });

  it('answers an unusable album item only when it carries the caption', () => {
    const video = { video: { file_id: 'v' } } as unknown as Partial<TelegramMessage>;
    expect(readIntake(message({ ...video, media_group_id: 'g' }), bot, MB)).toEqual({
      kind: 'ignore',
    });
    expect(readIntake(message({ ...video, media_group_id: 'g', caption: 'x' }), bot, MB)).toEqual({
      kind: 'unsupported',
    });
  });

  it('names the album of the photo a text replies to', () => {
    const replied = message({ message_id: 5, photo: [size('p', 10)], media_group_id: 'g' });
    const intake = readIntake(message({ text: 'zoom', reply_to_message: replied }), bot, MB);
    expect(intake).toEqual({
      kind: 'image',
      image: { fileId: 'p', fileSize: 10 },
      prompt: 'zoom',
      album: 'g',
    });
  });

  it('uses the image of the message a text replies to', () => {
    const replied = message({ message_id: 5, photo: [size('p', 10)] });
    const intake = readIntake(message({ text: 'pan left', reply_to_message: replied }), bot, MB);
    expect(intake).toEqual({
      kind: 'image',
      image: { fileId: 'p', fileSize: 10 },
      prompt: 'pan left',
    });
  });

  it('treats a text alone as text-to-video', () => {
    expect(readIntake(message({ text: 'a title card' }), bot, MB)).toEqual({
      kind: 'text',
      prompt: 'a title card',
    });
  });

  it('accepts JPEG, PNG and WebP documents and refuses other files', () => {
    const doc = (mime: string, bytes = 100) => ({
      file_id: 'd',
      file_unique_id: 'd',
      mime_type: mime,
      file_size: bytes,
    });
    for (const mime of ['image/jpeg', 'image/png', 'image/webp']) {
      expect(readIntake(message({ document: doc(mime), caption: 'go' }), bot, MB).kind).toBe(
        'image',
      );
    }
    for (const mime of ['application/pdf', 'image/gif', 'video/mp4']) {
      expect(readIntake(message({ document: doc(mime), caption: 'go' }), bot, MB).kind).toBe(
        'unsupported',
      );
    }
    const big = readIntake(message({ document: doc('image/png', 30 * MB) }), bot, 50 * MB);
    expect(big).toEqual({ kind: 'too_large', bytes: 30 * MB });
  });

  it('calls stickers and voice messages unsupported', () => {
    const sticker = { sticker: { file_id: 's' } } as unknown as Partial<TelegramMessage>;
    expect(readIntake(message(sticker), bot, MB)).toEqual({ kind: 'unsupported' });
  });
});

describe('group addressing', () => {
  const group = { id: -100, type: 'supergroup' as const };

  it('answers everything in a private chat', () => {
    expect(isAddressedToBot(message({ text: 'hi' }), bot)).toBe(true);
  });

  it('answers a mention, a reply to the bot and its commands in a group, nothing else', () => {
    const mention = message({
      chat: group,
      text: 'hey @ReelBot_Test_Bot make it move',
      entities: [{ type: 'mention', offset: 4, length: 17 }],
    });
    const reply = message({
      chat: group,
      text: 'slower',
      reply_to_message: message({ from: { id: 42, is_bot: true, first_name: 'Bot' } }),
    });
    const command = (text: string) =>
      message({
        chat: group,
        text,
        entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]?.length ?? 0 }],
      });
    expect(isAddressedToBot(mention, bot)).toBe(true);
    expect(isAddressedToBot(reply, bot)).toBe(true);
    expect(isAddressedToBot(command('/quota'), bot)).toBe(true);
    expect(isAddressedToBot(command('/quota@reelbot_test_bot'), bot)).toBe(true);
    expect(isAddressedToBot(command('/quota@other_bot'), bot)).toBe(false);
    expect(isAddressedToBot(message({ chat: group, text: 'lunch?' }), bot)).toBe(false);
    expect(promptOf(mention, bot)).toBe('hey make it move');
  });
});
