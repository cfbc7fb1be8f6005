/**
 * The edge Worker's HTTP app: request ids and JSON logs, a runtime per request, the REST API,
 * signed media links, and one place that turns errors into JSON responses.
 */
import { Hono } from 'hono';
import { ConfigError } from '../core/config.ts';
import { createWorkerRuntime } from '../core/runtime/cloudflare.ts';
import { jsonLogger } from '../core/runtime/logger.ts';
import { apiRoutes } from './api/routes.ts';
import type { AppEnv } from './context.ts';
import { errorBody, HttpError } from './http-error.ts';
import { discordRoutes } from './discord/routes.ts';
import { mediaRoutes } from './media-route.ts';
import { providerCallbackRoutes } from './providers/routes.ts';
import { telegramRoutes } from './telegram/routes.ts';

export const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  const requestId = c.req.header('cf-ray') ?? crypto.randomUUID();
  const logger = jsonLogger({ requestId });
  c.set('requestId', requestId);
  c.set('logger', logger);

  const runtime = createWorkerRuntime(c.env, { logger });
  c.set('runtime', runtime);
  const background: Promise<void>[] = [];
  c.set('afterResponse', (work) => {
    background.push(
      work().catch((error: unknown) => {
        logger.error('request.background_failed', {
          error: error instanceof Error ? error.name : 'unknown',
        });
      }),
    );
  });
  try {
    await next();
  } finally {
    const closing = Promise.all(background)
      .then(() => runtime.close())
      .catch(() => undefined);
    try {
      c.executionCtx.waitUntil(closing);
    } catch {
      await closing;
    }
  }
  c.header('x-request-id', requestId);
});

app.get('/', (c) => c.json({ name: 'reelbot', docs: '/api/openapi.json', health: '/healthz' }));
app.get('/healthz', (c) => c.json({ ok: true }));
app.route('/api', apiRoutes);
app.route('/media', mediaRoutes);
app.route('/telegram', telegramRoutes);
app.route('/discord', discordRoutes);
app.route('/providers', providerCallbackRoutes);

app.notFound((c) => c.json(errorBody('not_found', 'No such route.'), 404));

app.onError((error, c) => {
  if (error instanceof HttpError) {
    return c.json(errorBody(error.code, error.message, error.extra), error.status, error.headers);
  }
  const logger = c.get('logger') ?? jsonLogger();
  if (error instanceof ConfigError) {
    logger.error('config.invalid', { problems: error.problems });
    return c.json(errorBody('misconfigured', 'The service is not configured correctly.'), 500);
  }
  // Only the name reaches the log: messages from drivers can carry connection strings.
  logger.error('request.failed', { error: error.name, path: new URL(c.req.url).pathname });
  return c.json(errorBody('internal_error', 'Something went wrong on our side.'), 500);
});
