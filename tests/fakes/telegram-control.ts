/*
 * The control side of the fake Bot API (tests/fakes/telegram-api.ts), on fetch alone so tests
 * inside workerd can use it too. State is kept per bot token: each test uses its own token and
 * never sees another test's chats.
 */

/** One Bot API request as the fake received it (uploaded files by size and upload index). */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  files: Record<string, { filename: string; contentType: string; size: number; upload: number }>;
  /** The HTTP status the fake answered. */
  status: number;
}

/** A message the bot sent, with every text it showed (edits appended). */
export interface FakeMessage {
  chatId: number;
  messageId: number;
  kind: 'text' | 'video';
  texts: string[];
  caption?: string;
  replyToMessageId?: number;
  replyMarkup?: unknown;
}

export interface FakeFault {
  method: string;
  /** error_code and HTTP status, e.g. 429. */
  status: number;
  description?: string;
  /** Sent as parameters.retry_after (seconds). */
  retryAfter?: number;
  /** How many calls it answers (default 1). */
  times?: number;
  /** Only calls for this chat (other tests' deliveries may share the token). */
  chatId?: number;
}

export interface FakeState {
  calls: RecordedCall[];
  messages: FakeMessage[];
  webhook: Record<string, unknown> | null;
  commands: Record<string, unknown>;
}

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  file_size: number;
}

/** Talks to a running fake for one bot token. */
export function fakeTelegramControl(apiRoot: string, token: string) {
  const base = `${apiRoot.replace(/\/+$/, '')}/__control/bot${token}`;
  const json = async <T>(response: Response): Promise<T> => {
    if (!response.ok) throw new Error(`fake Telegram control answered ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    /** Stores a file the bot can getFile and download; `size` fakes file_size (default real). */
    addFile(bytes: Uint8Array, name = 'photo.jpg', size?: number): Promise<StoredFile> {
      const query = new URLSearchParams({ name, ...(size ? { size: String(size) } : {}) });
      return fetch(`${base}/files?${query}`, { method: 'POST', body: bytes }).then((r) =>
        json<StoredFile>(r),
      );
    },
    /** Queues faults answered before normal handling. */
    async fail(...faults: FakeFault[]): Promise<void> {
      await json(await fetch(`${base}/faults`, { method: 'POST', body: JSON.stringify(faults) }));
    },
    /** Acts like a Bot API server run with --local from now on (absolute file paths). */
    async localMode(): Promise<void> {
      await json(await fetch(`${base}/local-mode`, { method: 'POST' }));
    },
    state(): Promise<FakeState> {
      return fetch(`${base}/state`).then((r) => json<FakeState>(r));
    },
    async upload(index: number): Promise<Uint8Array> {
      const response = await fetch(`${base}/uploads/${index}`);
      if (!response.ok) throw new Error(`no upload ${index}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

export type FakeTelegramControl = ReturnType<typeof fakeTelegramControl>;
