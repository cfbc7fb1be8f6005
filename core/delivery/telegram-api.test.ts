import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../../tests/fakes/telegram-api.ts';
import { fakeTelegramControl } from '../../tests/fakes/telegram-control.ts';
import {
  createTelegramApi,
  describeFailure,
  isRetryableFailure,
  relativeFilePath,
} from './telegram-api.ts';

let fake: FakeTelegram;
beforeAll(async () => {
  fake = await startFakeTelegram();
});
afterAll(() => fake.close());

function newToken(): string {
  return `${Math.floor(Math.random() * 1e9)}:${crypto.randomUUID().replaceAll('-', '')}`;
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.byteLength; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
      controller.close();
    },
  });
}

describe('Telegram Bot API client', () => {
  it('calls JSON methods and reads their results', async () => {
    const api = createTelegramApi({ token: newToken(), apiRoot: fake.url });
    const sent = await api.call<{ message_id: number; text: string }>('sendMessage', {
      chat_id: 5,
      text: 'hello',
    });
    expect(sent).toMatchObject({ ok: true, result: { text: 'hello' } });
  });

  it('streams a multipart upload with its exact bytes and JSON fields', async () => {
    const token = newToken();
    const api = createTelegramApi({ token, apiRoot: fake.url });
    const bytes = crypto.getRandomValues(new Uint8Array(25_000));
    const result = await api.upload(
      'sendVideo',
      { chat_id: 5, caption: 'a "quoted" caption', reply_markup: { inline_keyboard: [] } },
      {
        field: 'video',
        filename: 'video.mp4',
        contentType: 'video/mp4',
        body: streamOf(bytes),
        size: 25_000,
      },
    );
    expect(result.ok).toBe(true);
    const [call] = fake.state(token).calls;
    expect(call?.params).toMatchObject({
      chat_id: '5',
      caption: 'a "quoted" caption',
      reply_markup: { inline_keyboard: [] },
    });
    expect(call?.files.video).toMatchObject({ contentType: 'video/mp4', size: 25_000 });
    expect(await fakeTelegramControl(fake.url, token).upload(0)).toEqual(bytes);
  });

  it('turns a 429 into a retryable failure carrying retry_after', async () => {
    const token = newToken();
    await fakeTelegramControl(fake.url, token).fail({
      method: 'sendMessage',
      status: 429,
      retryAfter: 7,
    });
    const result = await createTelegramApi({ token, apiRoot: fake.url }).call('sendMessage', {
      chat_id: 1,
      text: 'x',
    });
    expect(result).toMatchObject({ ok: false, kind: 'api', errorCode: 429, retryAfterMs: 7000 });
    if (result.ok) return;
    expect(isRetryableFailure(result)).toBe(true);
  });

  it('calls a 400 final', async () => {
    const api = createTelegramApi({ token: newToken(), apiRoot: fake.url });
    const result = await api.call('sendMessage', { chat_id: 1, text: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isRetryableFailure(result)).toBe(false);
    expect(describeFailure(result)).toBe(
      'Telegram sendMessage 400: Bad Request: message text is empty',
    );
  });

  it('never puts the token in a failure, even when the network fails', async () => {
    const token = newToken();
    const api = createTelegramApi({ token, apiRoot: 'http://127.0.0.1:9', timeoutMs: 2000 });
    const result = await api.call('getMe');
    expect(result).toMatchObject({ ok: false, kind: 'network' });
    expect(JSON.stringify(result)).not.toContain(token);
    const download = await api.downloadFile('f', 100);
    expect(JSON.stringify(download)).not.toContain(token);
  });

  it('downloads a file through getFile and refuses one over the byte cap', async () => {
    const token = newToken();
    const control = fakeTelegramControl(fake.url, token);
    const bytes = crypto.getRandomValues(new Uint8Array(5000));
    const file = await control.addFile(bytes, 'photo.jpg');
    const api = createTelegramApi({ token, apiRoot: fake.url });
    expect(await api.downloadFile(file.file_id, 10_000)).toEqual({ ok: true, bytes });
    expect(await api.downloadFile(file.file_id, 4999)).toMatchObject({
      ok: false,
      code: 'too_large',
    });
    const liar = await control.addFile(bytes, 'liar.jpg', 10);
    expect(await api.downloadFile(liar.file_id, 4999)).toMatchObject({
      ok: false,
      code: 'too_large',
    });
  });

  it('downloads from a --local server through the file root publishing its folder', async () => {
    const token = newToken();
    const control = fakeTelegramControl(fake.url, token);
    await control.localMode();
    const bytes = crypto.getRandomValues(new Uint8Array(3000));
    const file = await control.addFile(bytes, 'photo.jpg');

    // The server itself serves no files in local mode; the published directory does.
    const direct = createTelegramApi({ token, apiRoot: fake.url });
    const failed = await direct.downloadFile(file.file_id, 10_000);
    expect(failed).toMatchObject({ ok: false, code: 'failed' });
    expect(JSON.stringify(failed)).not.toContain(token);
    const published = createTelegramApi({
      token,
      apiRoot: fake.url,
      fileRoot: `${fake.url}/local-files/`,
    });
    expect(await published.downloadFile(file.file_id, 10_000)).toEqual({ ok: true, bytes });
  });
});

describe('file paths', () => {
  const token = '123:abcdefghijklmnopqrstuvwxyz';

  it('keeps relative paths and cuts --local paths after the token', () => {
    expect(relativeFilePath('photos/file_1.jpg', token)).toEqual(['photos', 'file_1.jpg']);
    expect(relativeFilePath(`/var/lib/telegram-bot-api/${token}/photos/file_1.jpg`, token)).toEqual(
      ['photos', 'file_1.jpg'],
    );
  });

  it("refuses paths that leave the bot's files", () => {
    expect(relativeFilePath('/etc/passwd', token)).toBeNull();
    expect(relativeFilePath(`/data/${token}/../other/file.jpg`, token)).toBeNull();
    expect(relativeFilePath('photos/../../secret', token)).toBeNull();
    expect(relativeFilePath('photos//file.jpg', token)).toBeNull();
  });
});
