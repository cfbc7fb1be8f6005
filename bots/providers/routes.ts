/**
 * POST /providers/:name/callback — a provider telling us a job moved. The signed task token in
 * the URL is checked for every provider, the provider's own signature where it has one (fal,
 * Replicate); then the task is woken at once instead of at its next poll. The callback's body is
 * never trusted for the result: the woken task polls the provider itself. A forged callback is
 * refused; a replayed one is acknowledged and changes nothing.
 */
import { Hono, type Context } from 'hono';
import type { Config } from '../../core/config.ts';
import { verifyCallbackToken } from '../../core/providers/callback-token.ts';
import { CALLBACK_PROVIDERS, verifyProviderCallback } from '../../core/providers/callbacks.ts';
import { falKeySource, type Jwk } from '../../core/providers/webhook-signatures.ts';
import type { Logger } from '../../core/tasks/service.ts';
import type { AppEnv } from '../context.ts';
import { errorBody } from '../http-error.ts';

const MAX_BODY_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CallbackDeps {
  config: Pick<Config, 'SIGNING_SECRET' | 'REPLICATE_WEBHOOK_SECRET'>;
  /** True the first time `key` is seen for `provider` (the processed_updates table). */
  recordOnce(provider: string, key: string): Promise<boolean>;
  wake(taskId: string): Promise<void>;
  falKeys(): Promise<Jwk[]>;
  logger?: Logger | undefined;
  now?: () => number;
}

const falKeysByUrl = new Map<string, () => Promise<Jwk[]>>();

// The JWKS is cached per isolate so callbacks do not fetch it each time.
function cachedFalKeys(url: string): () => Promise<Jwk[]> {
  let source = falKeysByUrl.get(url);
  if (!source) {
    source = falKeySource(url);
    falKeysByUrl.set(url, source);
  }
  return source;
}

/** The deps of a request in the Worker: its runtime's store and the configured queue. */
function fromRuntime(c: Context<AppEnv>): CallbackDeps {
  const { runtime, logger } = c.var;
  return {
    config: runtime.config,
    recordOnce: (provider, key) => runtime.store.recordUpdate(`provider:${provider}`, key),
    wake: (taskId) => runtime.queue.wake(taskId, 0),
    falKeys: cachedFalKeys(runtime.config.FAL_JWKS_URL),
    logger,
  };
}

/** The callback routes over `resolve`'s deps (tests hand in their own). */
export function createProviderCallbackRoutes(resolve: (c: Context<AppEnv>) => CallbackDeps) {
  const routes = new Hono<AppEnv>();

  routes.post('/:name/callback', async (c) => {
    const name = c.req.param('name');
    if (!(CALLBACK_PROVIDERS as readonly string[]).includes(name)) {
      return c.json(errorBody('not_found', 'This provider has no callbacks.'), 404);
    }
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > MAX_BODY_BYTES) {
      return c.json(errorBody('payload_too_large', 'The callback body is too large.'), 413);
    }
    const body = await c.req.text();
    if (body.length > MAX_BODY_BYTES) {
      return c.json(errorBody('payload_too_large', 'The callback body is too large.'), 413);
    }

    const deps = resolve(c);
    const taskId = c.req.query('task') ?? '';
    const now = (deps.now ?? Date.now)();
    const tokenValid =
      UUID.test(taskId) &&
      (await verifyCallbackToken({
        provider: name,
        taskId,
        exp: c.req.query('exp') ?? '',
        token: c.req.query('token') ?? '',
        secret: deps.config.SIGNING_SECRET,
        now: new Date(now),
      }));
    if (!tokenValid) {
      deps.logger?.warn('provider.callback_refused', { provider: name, reason: 'token' });
      return c.json(errorBody('unauthorized', 'The callback token is not valid.'), 401);
    }

    const verdict = await verifyProviderCallback(
      name,
      { headers: c.req.raw.headers, body },
      {
        replicateSecret: deps.config.REPLICATE_WEBHOOK_SECRET,
        falKeys: () => deps.falKeys(),
        now: () => now,
      },
    );
    if (!verdict.ok) {
      deps.logger?.warn('provider.callback_refused', {
        provider: name,
        taskId,
        reason: verdict.reason,
      });
      return c.json(errorBody('unauthorized', 'The callback signature is not valid.'), 401);
    }
    if (verdict.reply) return c.json(verdict.reply);

    const first = await deps.recordOnce(name, `${taskId}:${verdict.dedupeKey}`);
    if (!first) {
      deps.logger?.info('provider.callback_replayed', { provider: name, taskId });
      return c.json({ ok: true, duplicate: true });
    }
    if (verdict.wake) await deps.wake(taskId);
    deps.logger?.info('provider.callback', { provider: name, taskId });
    return c.json({ ok: true });
  });

  return routes;
}

export const providerCallbackRoutes = createProviderCallbackRoutes(fromRuntime);
