/**
 * A fake Discord REST API over real HTTP, speaking the documented wire format of the endpoints
 * reelbot uses, under /api/v10:
 *   PATCH  /webhooks/:app/:token/messages/@original   edit the reply (JSON, or multipart with
 *                                                     `payload_json` and `files[n]`)
 *   DELETE /webhooks/:app/:token/messages/@original   204
 *   POST   /webhooks/:app/:token                      follow-up message
 *   POST   /channels/:id/messages                     needs `Authorization: Bot …`; a
 *                                                     repeated `nonce` + `enforce_nonce` returns
 *                                                     the first message
 *   PUT    /applications/:app/commands                bulk overwrite (and the guild variant)
 *   GET    /applications/:app/commands                (and the guild variant)
 * Every answer carries X-RateLimit-* headers; a scripted rate limit answers 429 with
 * `{message, retry_after, global}`, Retry-After and X-RateLimit-Scope.
 *
 * Control (not under /api):
 *   POST /__control/attachments   body = file bytes, content-type = its type: {url} to fetch it
 *   POST /__control/script        FakeDiscordScript (replaces the previous one)
 *   GET  /__control/calls         every recorded call; ?token=, ?channel=, ?app= filter
 *   POST /__control/reset         forgets calls, script, attachments and commands
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { z } from 'zod';

const routeNames = ['edit', 'delete', 'followup', 'channel', 'commands'] as const;
type RouteName = (typeof routeNames)[number];

export const fakeDiscordScriptSchema = z.strictObject({
  /** The next `count` calls of `route` answer 429 after `retryAfter` seconds. */
  rateLimits: z
    .array(
      z.strictObject({
        route: z.enum(routeNames),
        retryAfter: z.number().min(0),
        global: z.boolean().optional(),
        count: z.number().int().min(1).optional(),
      }),
    )
    .optional(),
  /** Interaction tokens Discord no longer accepts (401, code 50027). */
  expiredTokens: z.array(z.string()).optional(),
  /** Uploads larger than this answer 413 (code 40005). */
  maxUploadBytes: z.number().int().min(1).optional(),
});
export type FakeDiscordScript = z.infer<typeof fakeDiscordScriptSchema>;

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface RecordedCall {
  seq: number;
  route: RouteName;
  method: string;
  status: number;
  applicationId?: string;
  token?: string;
  channelId?: string;
  guildId?: string;
  authorization?: string;
  payload: Record<string, unknown> | unknown[] | null;
  files: RecordedFile[];
  contentLength: number | null;
  chunked: boolean;
}

export interface FakeDiscord {
  url: string;
  apiBase: string;
  close(): Promise<void>;
}

const ENV_NAME = 'REELBOT_DISCORD_FAKE_PORT';

/** The fake's port for this test run: chosen once in the main process, inherited after. */
export async function discordFakePort(): Promise<number> {
  const existing = process.env[ENV_NAME];
  if (existing) return Number(existing);
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  process.env[ENV_NAME] = String(port);
  return port;
}

/** Starts the fake on 127.0.0.1:port (0 picks one); it never keeps the process alive. */
export async function startFakeDiscord(port = 0): Promise<FakeDiscord> {
  let script: FakeDiscordScript = {};
  let calls: RecordedCall[] = [];
  let attachments = new Map<string, { bytes: Buffer; type: string }>();
  let commands = new Map<string, unknown[]>();
  let nonces = new Map<string, Record<string, unknown>>();
  let seq = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const parts = url.pathname.split('/').filter(Boolean);

    if (parts[0] === '__control') return control(req, res, url, parts, body);
    if (req.method === 'GET' && parts[0] === 'attachments') {
      const file = attachments.get(parts[1] ?? '');
      if (!file) return send(res, 404, { message: 'Unknown attachment' });
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.byteLength });
      return res.end(file.bytes);
    }
    if (parts[0] !== 'api' || parts[1] !== 'v10') return send(res, 404, { message: '404' });
    return api(req, res, parts.slice(2), body);
  }

  async function api(req: IncomingMessage, res: ServerResponse, p: string[], raw: Buffer) {
    const method = req.method ?? 'GET';
    const call: RecordedCall = {
      seq: ++seq,
      route: 'edit',
      method,
      status: 200,
      payload: null,
      files: [],
      contentLength: req.headers['content-length'] ? Number(req.headers['content-length']) : null,
      chunked: req.headers['transfer-encoding'] === 'chunked',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    if (p[0] === 'webhooks' && p[1] && p[2]) {
      call.applicationId = p[1];
      call.token = decodeURIComponent(p[2]);
      call.route = p[3] !== 'messages' ? 'followup' : method === 'DELETE' ? 'delete' : 'edit';
    } else if (p[0] === 'channels' && p[1] && p[2] === 'messages' && method === 'POST') {
      call.route = 'channel';
      call.channelId = p[1];
    } else if (p[0] === 'applications' && p[1] && p.at(-1) === 'commands') {
      call.route = 'commands';
      call.applicationId = p[1];
      if (p[2] === 'guilds' && p[3]) call.guildId = p[3];
    } else {
      return send(res, 404, { message: '404: Not Found', code: 0 });
    }

    const parsed = await parseBody(req.headers['content-type'] ?? '', raw);
    call.payload = parsed.payload;
    call.files = parsed.files;
    calls.push(call);

    const limited = takeRateLimit(call.route);
    if (limited) return rateLimited(res, call, limited);
    const needsBot = call.route === 'channel' || call.route === 'commands';
    if (needsBot && !/^Bot \S+$/.test(req.headers.authorization ?? '')) {
      return reject(res, call, 401, { message: '401: Unauthorized', code: 0 });
    }
    if (call.token && script.expiredTokens?.includes(call.token)) {
      return reject(res, call, 401, { message: 'Invalid Webhook Token', code: 50027 });
    }
    const largest = Math.max(0, ...call.files.map((file) => file.size));
    if (script.maxUploadBytes !== undefined && largest > script.maxUploadBytes) {
      return reject(res, call, 413, { message: 'Request entity too large', code: 40005 });
    }
    return answer(res, call);
  }

  function answer(res: ServerResponse, call: RecordedCall) {
    if (call.route === 'delete') {
      res.writeHead(204, rateHeaders());
      return res.end();
    }
    if (call.route === 'commands') {
      const key = `${call.applicationId}/${call.guildId ?? ''}`;
      if (call.method === 'PUT') {
        const list = Array.isArray(call.payload) ? call.payload : [];
        commands.set(
          key,
          list.map((command) => ({ ...(command as object), id: snowflake() })),
        );
      }
      return send(res, 200, commands.get(key) ?? []);
    }
    const payload = (call.payload ?? {}) as Record<string, unknown>;
    const nonce = typeof payload.nonce === 'string' ? `${call.channelId}:${payload.nonce}` : null;
    const earlier = nonce && payload.enforce_nonce ? nonces.get(nonce) : undefined;
    if (earlier) return send(res, 200, earlier);
    const message = {
      id: snowflake(),
      channel_id: call.channelId ?? '1',
      content: payload.content ?? '',
      attachments: call.files.map((file) => ({ id: snowflake(), ...file })),
    };
    if (nonce) nonces.set(nonce, message);
    return send(res, 200, message);
  }

  function takeRateLimit(route: RouteName) {
    const limits = script.rateLimits ?? [];
    const index = limits.findIndex((limit) => limit.route === route);
    const limit = limits[index];
    if (!limit) return null;
    if ((limit.count ?? 1) <= 1) limits.splice(index, 1);
    else limit.count = (limit.count ?? 1) - 1;
    return limit;
  }

  function rateLimited(
    res: ServerResponse,
    call: RecordedCall,
    limit: { retryAfter: number; global?: boolean | undefined },
  ) {
    call.status = 429;
    const headers: Record<string, string> = {
      ...rateHeaders(0, limit.retryAfter),
      'retry-after': String(Math.ceil(limit.retryAfter)),
      'x-ratelimit-scope': limit.global ? 'global' : 'user',
      ...(limit.global ? { 'x-ratelimit-global': 'true' } : {}),
    };
    const body = {
      message: 'You are being rate limited.',
      retry_after: limit.retryAfter,
      global: limit.global ?? false,
    };
    res.writeHead(429, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function reject(res: ServerResponse, call: RecordedCall, status: number, body: object) {
    call.status = status;
    return send(res, status, body);
  }

  function control(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    parts: string[],
    body: Buffer,
  ) {
    const action = parts[1];
    if (action === 'attachments' && req.method === 'POST') {
      const id = randomUUID();
      attachments.set(id, { bytes: body, type: req.headers['content-type'] ?? '' });
      const host = req.headers.host ?? '127.0.0.1';
      return send(res, 200, { url: `http://${host}/attachments/${id}/upload` });
    }
    if (action === 'script' && req.method === 'POST') {
      const parsed = fakeDiscordScriptSchema.safeParse(JSON.parse(body.toString() || '{}'));
      if (!parsed.success) return send(res, 400, { message: parsed.error.message });
      script = parsed.data;
      return send(res, 200, script);
    }
    if (action === 'calls') {
      const token = url.searchParams.get('token');
      const channel = url.searchParams.get('channel');
      const app = url.searchParams.get('app');
      const matching = calls.filter(
        (call) =>
          (!token || call.token === token) &&
          (!channel || call.channelId === channel) &&
          (!app || call.applicationId === app),
      );
      return send(res, 200, matching);
    }
    if (action === 'reset' && req.method === 'POST') {
      script = {};
      calls = [];
      attachments = new Map();
      commands = new Map();
      nonces = new Map();
      return send(res, 200, {});
    }
    return send(res, 404, { message: 'unknown control' });
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  server.unref();
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return {
    url,
    apiBase: `${url}/api/v10`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let snowflakeCounter = 0;
function snowflake(): string {
  const ms = BigInt(Date.now() - 1420070400000);
  return String((ms << 22n) + BigInt(++snowflakeCounter % 4096));
}

function rateHeaders(remaining = 4, resetAfter = 1): Record<string, string> {
  return {
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(Date.now() / 1000 + resetAfter),
    'x-ratelimit-reset-after': String(resetAfter),
    'x-ratelimit-bucket': 'fakebucket',
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', ...rateHeaders() });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseBody(
  contentType: string,
  raw: Buffer,
): Promise<{ payload: RecordedCall['payload']; files: RecordedFile[] }> {
  if (raw.byteLength === 0) return { payload: null, files: [] };
  if (!contentType.startsWith('multipart/form-data')) {
    return { payload: JSON.parse(raw.toString()) as RecordedCall['payload'], files: [] };
  }
  const form = await new Request('http://fake/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: raw,
  }).formData();
  const files: RecordedFile[] = [];
  let payload: RecordedCall['payload'] = null;
  // The merged Workers and Node typings see only strings in FormData; Node gives Files too.
  for (const [field, value] of form.entries() as Iterable<[string, string | File]>) {
    if (typeof value === 'string') {
      if (field === 'payload_json') payload = JSON.parse(value) as RecordedCall['payload'];
      continue;
    }
    const bytes = Buffer.from(await value.arrayBuffer());
    files.push({
      field,
      filename: value.name,
      contentType: value.type,
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return { payload, files };
}
