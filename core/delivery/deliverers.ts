/** Every origin's deliverer this deployment has, from config: one map for every runtime. */
import type { Config } from '../config.ts';
import type { DelivererMap } from './delivery.ts';
import { discordDeliverers } from './discord.ts';
import { createTelegramDeliverer } from './telegram.ts';
import { createWebhookDeliverer } from './webhook.ts';

/** API webhooks always; Telegram and Discord when their settings are present. */
export function createDeliverers(config: Config): DelivererMap {
  return {
    webhook: createWebhookDeliverer({ secret: config.SIGNING_SECRET }),
    ...(config.TELEGRAM_BOT_TOKEN
      ? {
          telegram: createTelegramDeliverer({
            token: config.TELEGRAM_BOT_TOKEN,
            apiRoot: config.TELEGRAM_API_ROOT,
            linkTtlSeconds: config.VIDEO_LINK_TTL_SECONDS,
          }),
        }
      : {}),
    ...discordDeliverers(config),
  };
}
