/*
 * A fake Telegram Bot API server speaking the real wire format, for grammY (client.apiRoot)
 * and core/delivery/telegram-api.ts alike:
 *
 *   POST|GET /bot<token>/<method>   params from the query, JSON, urlencoded or multipart bodies;
 *                                   answers {"ok":true,"result":...} or
 *                                   {"ok":false,"error_code":N,"description":"...",
 *                                    "parameters":{"retry_after":S}} with HTTP status N
 *   GET /file/bot<token>/<path>     downloads a file registered through the control API
 *
 * A bot switched to local mode acts like a Bot API server run with --local: getFile answers
 * the absolute path `<LOCAL_DIR>/<token>/<path>` and /file/ downloads are refused; the files
 * are served instead under /local-files/file/bot<token>/<path>, as a web server published
 * over the server's --dir would.
 *
 * Faults (429 with retry_after, 5xx...) are answered instead of a method, optionally only for
 * one chat. Methods: getMe, sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
 * sendChatAction, sendVideo (multipart upload, 50 MB limit, or a file_id/URL string),
 * answerCallbackQuery, getFile (20 MB limit), setWebhook, deleteWebhook, getWebhookInfo,
 * setMyCommands, getMyCommands. Edits with unchanged content answer "message is not modified",
 * edits of unknown messages "message to edit not found", as Telegram does.
 *
 * Control (tests/fakes/telegram-control.ts), per token:
 *   POST /__control/bot<token>/files?name=&size=  body: the bytes; answers the File
 *   POST /__control/bot<token>/faults             body: FakeFault[]
 *   GET  /__control/bot<token>/state              FakeState
 *   GET  /__control/bot<token>/uploads/<n>        the bytes of the n-th uploaded file
 *   POST /__control/bot<token>/local-mode         switches the bot to local mode
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type {
  FakeFault,
  FakeMessage,
  FakeState,
  RecordedCall,
  StoredFile,
} from './telegram-control.ts';

const TOKEN = /^(\d+):[\w-]{20,}$/;
const UPLOAD_LIMIT = 50 * 1024 * 1024;
const DOWNLOAD_LIMIT = 20 * 1024 * 1024;
/** The --dir of the emulated local Bot API server. */
export const LOCAL_DIR = '/var/lib/telegram-bot-api';
const CHAT_ACTIONS = ['typing', 'upload_photo', 'upload_video', 'record_video', 'upload_document'];

interface BotState {
  calls: RecordedCall[];
  messages: FakeMessage[];
  faults: (FakeFault & { times: number })[];
  files: Map<string, StoredFile & { bytes: Uint8Array }>;
  uploads: Uint8Array[];
  nextMessageId: number;
  webhook: Record<string, unknown> | null;
  commands: Record<string, unknown>;
  localMode: boolean;
}

type Params = Record<string, unknown>;
type Answer = { status: number; body: unknown };

export interface FakeTelegram {
  url: string;
  close(): Promise<void>;
  /** The state of one bot, for tests on the Node side. */
  state(token: string): FakeState;
}

/** Starts the fake on host:port (port 0 picks a free one). */
export async function startFakeTelegram(
  options: { port?: number; host?: string } = {},
): Promise<FakeTelegram> {
  const bots = new Map<string, BotState>();
  const bot = (token: string): BotState => {
    let state = bots.get(token);
    if (!state) {
      state = {
        calls: [],
        messages: [],
        faults: [],
        files: new Map(),
        uploads: [],
        nextMessageId: 1000,
        webhook: null,
        commands: {},
        localMode: false,
      };
      bots.set(token, state);
    }
    return state;
  };

  const server = createServer((req, res) => {
    route(req, res, bot).catch((error: unknown) => {
      send(res, 500, { ok: false, error_code: 500, description: String(error) });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    state: (token) => publicState(bot(token)),
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  bot: (token: string) => BotState,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const control = /^\/__control\/bot([^/]+)\/(.+)$/.exec(url.pathname);
  if (control?.[1] && control[2]) return handleControl(req, res, bot(control[1]), control[2], url);

  const file = /^(\/local-files)?\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
  if (file?.[2] && file[3] && req.method === 'GET') {
    const state = bot(file[2]);
    const path = decodeURIComponent(file[3]);
    const served = state.localMode === (file[1] !== undefined);
    const stored = [...state.files.values()].find((f) => f.file_path === path);
    if (!stored || !served) {
      return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    }
    res.writeHead(200, { 'content-length': stored.bytes.byteLength });
    res.end(stored.bytes);
    return;
  }

  const call = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
  if (!call?.[1] || !call[2] || !TOKEN.test(call[1])) {
    return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
  }
  const state = bot(call[1]);
  const { params, files } = await readParams(req, url, state);
  const method = call[2];
  const answer =
    takeFault(state, method, params) ?? handleMethod(state, call[1], method, params, files);
  state.calls.push({
    method,
    params,
    files: Object.fromEntries(
      Object.entries(files).map(([field, f]) => [
        field,
        { filename: f.filename, contentType: f.contentType, size: f.size, upload: f.upload },
      ]),
    ),
    status: answer.status,
  });
  send(res, answer.status, answer.body);
}

interface ReceivedFile {
  filename: string;
  contentType: string;
  size: number;
  upload: number;
}

async function readParams(
  req: IncomingMessage,
  url: URL,
  state: BotState,
): Promise<{ params: Params; files: Record<string, ReceivedFile> }> {
  const params: Params = Object.fromEntries(url.searchParams);
  const files: Record<string, ReceivedFile> = {};
  if (req.method !== 'POST') return { params, files };

  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const request = new Request(url, {
    method: 'POST',
    headers: req.headers as Record<string, string>,
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
  if (type.startsWith('application/json')) {
    const text = await request.text();
    if (text) Object.assign(params, JSON.parse(text) as Params);
  } else if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www')) {
    const form = await request.formData();
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') {
        params[name] = parseField(value);
        continue;
      }
      // Node's FormData yields File objects for file parts.
      const file = value as unknown as File;
      const bytes = new Uint8Array(await file.arrayBuffer());
      state.uploads.push(bytes);
      files[name] = {
        filename: file.name,
        contentType: file.type,
        size: bytes.byteLength,
        upload: state.uploads.length - 1,
      };
    }
  } else {
    await request.arrayBuffer();
  }
  return { params, files };
}

// Form fields carry JSON-serialized objects (reply_markup, commands) as Telegram documents.
function parseField(value: string): unknown {
  if (!/^[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function takeFault(state: BotState, method: string, params: Params): Answer | null {
  const fault = state.faults.find(
    (f) =>
      f.method === method &&
      f.times > 0 &&
      (f.chatId === undefined || f.chatId === Number(params.chat_id)),
  );
  if (!fault) return null;
  fault.times -= 1;
  const description =
    fault.description ??
    (fault.status === 429
      ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}`
      : 'Internal Server Error');
  return failure(fault.status, description, fault.retryAfter);
}

function failure(status: number, description: string, retryAfter?: number): Answer {
  return {
    status,
    body: {
      ok: false,
      error_code: status,
      description,
      ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}),
    },
  };
}

const ok = (result: unknown): Answer => ({ status: 200, body: { ok: true, result } });

function handleMethod(
  state: BotState,
  token: string,
  method: string,
  params: Params,
  files: Record<string, ReceivedFile>,
): Answer {
  const botUser = {
    id: Number(TOKEN.exec(token)?.[1]),
    is_bot: true,
    first_name: 'Reelbot Test',
    username: 'reelbot_test_bot',
  };
  switch (method) {
    case 'getMe':
      return ok({
        ...botUser,
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
        can_connect_to_business: false,
        has_main_web_app: false,
      });
    case 'sendMessage': {
      const text = typeof params.text === 'string' ? params.text : '';
      if (!params.chat_id) return failure(400, 'Bad Request: chat not found');
      if (!text.trim()) return failure(400, 'Bad Request: message text is empty');
      if (text.length > 4096) return failure(400, 'Bad Request: message is too long');
      return ok(messageJson(remember(state, params, 'text', text), botUser));
    }
    case 'editMessageText':
    case 'editMessageReplyMarkup': {
      const message = state.messages.find(
        (m) => m.chatId === Number(params.chat_id) && m.messageId === Number(params.message_id),
      );
      if (!message) return failure(400, 'Bad Request: message to edit not found');
      const text = method === 'editMessageText' ? String(params.text ?? '') : message.texts.at(-1);
      if (method === 'editMessageText' && !text?.trim()) {
        return failure(400, 'Bad Request: message text is empty');
      }
      const markup = params.reply_markup ?? (method === 'editMessageText' ? undefined : null);
      if (text === message.texts.at(-1) && same(markup, message.replyMarkup)) {
        return failure(
          400,
          'Bad Request: message is not modified: specified new message content and reply ' +
            'markup are exactly the same as a current content and reply markup of the message',
        );
      }
      if (text !== undefined && text !== message.texts.at(-1)) message.texts.push(text);
      message.replyMarkup = markup;
      return ok(messageJson(message, botUser));
    }
    case 'deleteMessage':
      return ok(true);
    case 'sendChatAction':
      if (!CHAT_ACTIONS.includes(String(params.action))) {
        return failure(400, 'Bad Request: wrong parameter action in request');
      }
      return ok(true);
    case 'sendVideo': {
      const upload = files.video;
      if (!upload && typeof params.video !== 'string') {
        return failure(400, 'Bad Request: there is no video in the request');
      }
      if (upload && upload.size > UPLOAD_LIMIT) return failure(413, 'Request Entity Too Large');
      if (upload && upload.size === 0) return failure(400, 'Bad Request: file must be non-empty');
      const caption = typeof params.caption === 'string' ? params.caption : undefined;
      if (caption && caption.length > 1024) {
        return failure(400, 'Bad Request: message caption is too long');
      }
      const message = remember(state, params, 'video', caption);
      return ok({
        ...messageJson(message, botUser),
        video: {
          file_id: `video-${message.messageId}`,
          file_unique_id: `uv-${message.messageId}`,
          duration: 1,
          width: 1,
          height: 1,
          mime_type: 'video/mp4',
          file_size: upload?.size ?? 0,
        },
      });
    }
    case 'answerCallbackQuery':
      return ok(true);
    case 'getFile': {
      const file = state.files.get(String(params.file_id));
      if (!file) return failure(400, 'Bad Request: invalid file_id');
      if (file.file_size > DOWNLOAD_LIMIT) return failure(400, 'Bad Request: file is too big');
      return ok({
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.file_size,
        file_path: state.localMode ? `${LOCAL_DIR}/${token}/${file.file_path}` : file.file_path,
      });
    }
    case 'setWebhook':
      if (typeof params.url !== 'string') return failure(400, 'Bad Request: bad webhook');
      state.webhook = params;
      return ok(true);
    case 'deleteWebhook':
      state.webhook = null;
      return ok(true);
    case 'getWebhookInfo':
      return ok({ url: state.webhook?.url ?? '', pending_update_count: 0 });
    case 'setMyCommands':
      if (!Array.isArray(params.commands)) return failure(400, 'Bad Request: bad commands');
      state.commands[String(params.language_code ?? '')] = params.commands;
      return ok(true);
    case 'getMyCommands':
      return ok(state.commands[String(params.language_code ?? '')] ?? []);
    default:
      return failure(404, 'Not Found: method not found');
  }
}

function remember(
  state: BotState,
  params: Params,
  kind: FakeMessage['kind'],
  text: string | undefined,
): FakeMessage {
  const reply = params.reply_parameters as { message_id?: number } | undefined;
  const message: FakeMessage = {
    chatId: Number(params.chat_id),
    messageId: state.nextMessageId++,
    kind,
    texts: kind === 'text' && text !== undefined ? [text] : [],
    ...(kind === 'video' && text !== undefined ? { caption: text } : {}),
    ...(reply?.message_id !== undefined ? { replyToMessageId: Number(reply.message_id) } : {}),
    ...(params.reply_markup !== undefined ? { replyMarkup: params.reply_markup } : {}),
  };
  state.messages.push(message);
  return message;
}

function messageJson(message: FakeMessage, from: Record<string, unknown>) {
  return {
    message_id: message.messageId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: message.chatId, type: message.chatId < 0 ? 'supergroup' : 'private' },
    from,
    ...(message.kind === 'text' ? { text: message.texts.at(-1) } : {}),
    ...(message.caption !== undefined ? { caption: message.caption } : {}),
    ...(message.replyMarkup ? { reply_markup: message.replyMarkup } : {}),
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  state: BotState,
  action: string,
  url: URL,
): Promise<void> {
  const body = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
  if (action === 'files' && req.method === 'POST') {
    const id = `file-${state.files.size + 1}-${Math.random().toString(36).slice(2, 10)}`;
    const name = url.searchParams.get('name') ?? 'photo.jpg';
    const stored = {
      file_id: id,
      file_unique_id: `u${id}`,
      file_path: `${name.endsWith('.jpg') ? 'photos' : 'documents'}/${id}-${name}`,
      file_size: Number(url.searchParams.get('size') ?? body.byteLength),
      bytes: new Uint8Array(body),
    };
    state.files.set(id, stored);
    const { bytes: _bytes, ...file } = stored;
    return send(res, 200, file);
  }
  if (action === 'local-mode' && req.method === 'POST') {
    state.localMode = true;
    return send(res, 200, { ok: true });
  }
  if (action === 'faults' && req.method === 'POST') {
    const faults = JSON.parse(body.toString() || '[]') as FakeFault[];
    state.faults.push(...faults.map((fault) => ({ ...fault, times: fault.times ?? 1 })));
    return send(res, 200, { ok: true });
  }
  if (action === 'state') return send(res, 200, publicState(state));
  const upload = /^uploads\/(\d+)$/.exec(action);
  if (upload) {
    const bytes = state.uploads[Number(upload[1])];
    if (!bytes) return send(res, 404, { error: 'no such upload' });
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(bytes);
    return;
  }
  send(res, 404, { error: 'unknown control action' });
}

function publicState(state: BotState): FakeState {
  return {
    calls: state.calls,
    messages: state.messages,
    webhook: state.webhook,
    commands: state.commands,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
