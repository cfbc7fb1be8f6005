/**
 * Routes of the Discord frontend (issue 4); mounted by bots/app.ts. Discord POSTs every
 * interaction to /discord/interactions and wants an answer within 3 seconds: the handler
 * answers at once and leaves the rest to `waitUntil`.
 */
import { Hono } from 'hono';
import { createDiscordRest } from '../../core/delivery/discord-rest.ts';
import { editOriginal } from '../../core/delivery/discord-replies.ts';
import { translate } from '../../core/i18n/catalog.ts';
import type { WorkerRuntime } from '../../core/runtime/cloudflare.ts';
import type { Logger } from '../../core/tasks/service.ts';
import type { AppEnv } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { handleInteraction } from './interactions.ts';
import type { Handled } from './work.ts';

export const discordRoutes = new Hono<AppEnv>();

discordRoutes.post('/interactions', async (c) => {
  const { runtime, logger } = c.var;
  const { config } = runtime;
  if (!config.DISCORD_PUBLIC_KEY) {
    throw new HttpError(404, 'not_configured', 'Discord is not configured on this deployment.');
  }

  const handled = await handleInteraction(c.req.raw, {
    publicKey: config.DISCORD_PUBLIC_KEY,
    maxImageBytes: config.MAX_IMAGE_BYTES,
    recordInteraction: (id) => runtime.store.recordUpdate('discord', id),
    now: Date.now,
  });
  logger.info('discord.interaction', { kind: handled.kind, status: handled.response.status });
  if (handled.work) c.var.afterResponse(() => runWork(runtime, logger, handled));
  return handled.response;
});

// Runs after the deferred response has left, on the request's runtime.
async function runWork(runtime: WorkerRuntime, logger: Logger, handled: Handled) {
  const { config } = runtime;
  const rest = createDiscordRest({
    apiBase: config.DISCORD_API_BASE,
    botToken: config.DISCORD_BOT_TOKEN,
  });
  try {
    await handled.work?.({ ...runtime, rest, logger });
  } catch (error) {
    logger.error('discord.work_failed', { error: error instanceof Error ? error.name : 'unknown' });
    const failure = handled.replyOnFailure;
    if (failure) {
      const content = translate(failure.locale, 'dc.error.internal');
      await editOriginal(rest, failure.ref, { content, components: [] }).catch(() => undefined);
    }
  }
}
