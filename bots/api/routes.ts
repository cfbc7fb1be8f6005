/**
 * The public REST API: POST /api/generate-video and GET /api/task-status/:id (the original
 * endpoints), plus the OpenAPI document. Every error is `{error: {code, message}}`.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { checkPublicHttpsUrl } from '../../core/media/safe-fetch.ts';
import { ASPECT_RATIOS } from '../../core/providers/provider.ts';
import type { CreateTaskInput } from '../../core/tasks/create-task.ts';
import type { RequestError } from '../../core/tasks/errors.ts';
import { taskStatusBody } from '../../core/tasks/status-body.ts';
import type { AppEnv } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { requireApiKey } from './auth.ts';
import { openApiDocument } from './openapi.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
// Room for the multipart envelope and the text fields around the images.
const FORM_OVERHEAD_BYTES = 64 * 1024;

const fieldsSchema = z.strictObject({
  prompt: z.string({ error: 'prompt is required' }),
  image_url: z.string().optional(),
  last_frame_url: z.string().optional(),
  provider: z.string().min(1).max(64).optional(),
  model: z.string().min(1).max(128).optional(),
  duration: z.coerce
    .number({ error: 'duration must be a number of seconds' })
    .int('duration must be a whole number of seconds')
    .min(1, 'duration must be at least 1 second')
    .max(60, 'duration must be at most 60 seconds')
    .optional(),
  ratio: z
    .enum(ASPECT_RATIOS, { error: `ratio must be one of ${ASPECT_RATIOS.join(', ')}` })
    .optional(),
  webhook_url: z.string().optional(),
});
type Fields = z.infer<typeof fieldsSchema>;

const STATUS_BY_CODE: Record<RequestError['code'], ContentfulStatusCode> = {
  invalid_prompt: 400,
  unknown_provider: 400,
  unsupported_request: 400,
  invalid_image: 400,
  blocked_url: 400,
  image_fetch_failed: 400,
  image_too_large: 413,
  unsupported_image_type: 415,
  quota_exceeded: 429,
  banned: 403,
  idempotency_conflict: 409,
  unknown_user: 401,
};

// Refuses bodies over two images (first and last frame) plus the form envelope, declared or
// streamed.
const limitBody = createMiddleware<AppEnv>((c, next) => {
  const maxSize = 2 * c.var.runtime.config.MAX_IMAGE_BYTES + FORM_OVERHEAD_BYTES;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new HttpError(413, 'payload_too_large', `The request body is over ${maxSize} bytes.`);
    },
  })(c, next);
});

export const apiRoutes = new Hono<AppEnv>();

apiRoutes.get('/openapi.json', (c) => c.json(openApiDocument(new URL(c.req.url).origin)));

apiRoutes.post('/generate-video', requireApiKey, limitBody, async (c) => {
  const { runtime, apiKey } = c.var;
  const idempotencyKey = c.req.header('idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new HttpError(400, 'bad_request', 'Idempotency-Key must be 1–255 visible characters.');
  }

  const { fields, files } = await readRequest(c.req.raw);
  const input: CreateTaskInput = {
    userId: apiKey.user_id,
    source: 'api',
    prompt: fields.prompt,
    provider: fields.provider,
    model: fields.model,
    durationSeconds: fields.duration,
    ratio: fields.ratio,
    idempotencyKey,
    image: imageSource(files.image, fields.image_url),
    lastFrame: imageSource(files.last_frame, fields.last_frame_url),
    replyTarget: fields.webhook_url ? { kind: 'webhook', url: fields.webhook_url } : undefined,
  };

  const outcome = await runtime.service.create(input);
  if (!outcome.ok) throw toHttpError(outcome.error);

  const { task } = outcome;
  const statusUrl = `${runtime.config.PUBLIC_BASE_URL}/api/task-status/${task.id}`;
  return c.json(
    { id: task.id, status: task.status, status_url: statusUrl },
    outcome.created ? 202 : 200,
    { location: statusUrl },
  );
});

apiRoutes.get('/task-status/:id', requireApiKey, async (c) => {
  const { runtime, apiKey } = c.var;
  const id = c.req.param('id');
  const task = UUID.test(id) ? await runtime.store.getTask(id, apiKey.user_id) : null;
  if (!task) throw new HttpError(404, 'not_found', 'No task with this id for this API key.');

  const videoUrl =
    task.status === 'completed' && task.outputKey ? await runtime.links.link(task.outputKey) : null;
  c.header('cache-control', 'no-store');
  return c.json(taskStatusBody(task, videoUrl));
});

const FILE_FIELDS = ['image', 'last_frame'] as const;
type FileField = (typeof FILE_FIELDS)[number];
type Files = Partial<Record<FileField, Uint8Array>>;

function imageSource(bytes: Uint8Array | undefined, url: string | undefined) {
  if (bytes) return { bytes };
  return url === undefined ? undefined : { url };
}

function isFileField(name: string): name is FileField {
  return (FILE_FIELDS as readonly string[]).includes(name);
}

async function readRequest(request: Request): Promise<{ fields: Fields; files: Files }> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();

  if (type === 'application/json') {
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      throw new HttpError(400, 'bad_request', 'The body is not valid JSON.');
    }
    return { fields: parseFields(body), files: {} };
  }

  if (type === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new HttpError(400, 'bad_request', 'The multipart body could not be read.');
    }
    const raw: Record<string, string> = {};
    const uploads: Partial<Record<FileField, File>> = {};
    for (const [name, value] of form.entries()) {
      if (isFileField(name)) {
        if (typeof value === 'string') {
          throw new HttpError(400, 'bad_request', `${name} must be a file (or use ${name}_url).`);
        }
        uploads[name] = value;
      } else if (typeof value === 'string') {
        raw[name] = value;
      } else {
        throw new HttpError(
          400,
          'bad_request',
          `Only "image" and "last_frame" may be files, not "${name}".`,
        );
      }
    }
    const fields = parseFields(raw);
    const files: Files = {};
    for (const name of FILE_FIELDS) {
      const upload = uploads[name];
      if (!upload) continue;
      if (fields[`${name}_url`] !== undefined) {
        throw new HttpError(400, 'bad_request', `Send a ${name} file or a ${name}_url, not both.`);
      }
      files[name] = new Uint8Array(await upload.arrayBuffer());
    }
    return { fields, files };
  }

  throw new HttpError(
    415,
    'unsupported_media_type',
    'Send multipart/form-data (with an image file) or application/json.',
  );
}

function parseFields(body: unknown): Fields {
  const parsed = fieldsSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message =
      issue?.code === 'unrecognized_keys'
        ? `Unknown field(s): ${issue.keys.join(', ')}.`
        : (issue?.message ?? 'The request is not valid.');
    throw new HttpError(400, 'bad_request', message);
  }
  const { webhook_url: webhook } = parsed.data;
  if (webhook !== undefined) {
    const check = checkPublicHttpsUrl(webhook);
    if (!check.ok) throw new HttpError(400, 'bad_request', `webhook_url: ${check.message}`);
  }
  return parsed.data;
}

function toHttpError(error: RequestError): HttpError {
  const status = STATUS_BY_CODE[error.code];
  if (error.code !== 'quota_exceeded' || !error.quota) {
    return new HttpError(status, error.code, error.message);
  }
  const { resetAt, scope, limit } = error.quota;
  // A concurrency limit frees up when a running task ends; suggest checking back in a minute.
  const retryAfter = resetAt ? Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000)) : 60;
  return new HttpError(
    429,
    error.code,
    error.message,
    { 'retry-after': String(retryAfter) },
    { scope, limit, reset_at: resetAt?.toISOString() ?? null },
  );
}
