/**
 * POST /telegram/webhook (issue 3). Checks the secret token in constant time and the update's
 * shape, then answers Telegram at once; the update's work (dedupe, user, image copy, task,
 * status message) runs after the answer, on its own database client, so a slow database never
 * makes Telegram wait or redeliver.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { timingSafeEqual } from '../../core/crypto.ts';
import { createTelegramApi } from '../../core/delivery/telegram-api.ts';
import type { WorkerRuntime } from '../../core/runtime/cloudflare.ts';
import type { Logger } from '../../core/tasks/service.ts';
import type { AppEnv } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { processUpdate } from './process-update.ts';
import { updateSchema, type TelegramUpdate } from './update-schema.ts';

// Updates are small JSON documents; anything near this is not from Telegram.
const MAX_UPDATE_BYTES = 1024 * 1024;

export const telegramRoutes = new Hono<AppEnv>();

telegramRoutes.post(
  '/webhook',
  (c, next) => {
    const { TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: secret } = c.var.runtime.config;
    if (!token || !secret) throw new HttpError(404, 'not_found', 'No such route.');
    const given = c.req.header('x-telegram-bot-api-secret-token') ?? '';
    if (!timingSafeEqual(given, secret)) {
      throw new HttpError(401, 'unauthorized', 'The secret token is missing or wrong.');
    }
    return next();
  },
  bodyLimit({
    maxSize: MAX_UPDATE_BYTES,
    onError: () => {
      throw new HttpError(413, 'payload_too_large', 'The update is too large.');
    },
  }),
  async (c) => {
    const { logger, runtime } = c.var;
    const update = updateSchema.safeParse(await c.req.json().catch(() => null));
    if (!update.success) {
      // Telegram redelivers anything but a 2xx; a malformed update never gets better.
      logger.warn('telegram.bad_update', { issues: update.error.issues.length });
      return c.json({ ok: true });
    }

    // LIMITATION: work still running when the isolate is evicted is lost, and Telegram (which
    // got its 200) does not redeliver; the user then sees no answer and can send again.
    c.var.afterResponse(() => handleInBackground(runtime, logger, update.data));
    return c.json({ ok: true });
  },
);

/** Runs the update's work after Telegram has its answer. */
export async function handleInBackground(
  runtime: WorkerRuntime,
  logger: Logger,
  update: TelegramUpdate,
): Promise<void> {
  const { config } = runtime;
  await processUpdate(
    {
      config,
      store: runtime.store,
      service: runtime.service,
      objects: runtime.objects,
      providers: runtime.providers,
      files: createTelegramApi({
        token: config.TELEGRAM_BOT_TOKEN ?? '',
        apiRoot: config.TELEGRAM_API_ROOT,
        ...(config.TELEGRAM_FILE_ROOT ? { fileRoot: config.TELEGRAM_FILE_ROOT } : {}),
      }),
      logger,
    },
    update,
  );
}
