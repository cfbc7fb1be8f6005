/** What every Telegram handler works with: the ports of one invocation and the current user. */
import type { Context } from 'grammy';
import type { Config } from '../../core/config.ts';
import type { TelegramApi } from '../../core/delivery/telegram-api.ts';
import type { Locale, MessageKey } from '../../core/i18n/catalog.ts';
import type { ProviderRegistry } from '../../core/providers/registry.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import type { TaskStore, User } from '../../core/store/task-store.ts';
import type { Logger, TaskService } from '../../core/tasks/service.ts';
import type { BotIdentity } from './intake.ts';
import type { TelegramSettings } from './user-settings.ts';

export interface TelegramBotDeps {
  config: Config;
  store: TaskStore;
  service: TaskService;
  objects: ObjectStore;
  providers: ProviderRegistry;
  /** Our own Bot API client, for file downloads (the file link never leaves it). */
  files: TelegramApi;
  logger: Logger;
  /** grammY's fetch; Node's global fetch when unset in Node (not node-fetch). */
  fetch?: typeof fetch;
  now?: () => number;
}

/** grammY's context plus the invocation's ports and the user who sent the update. */
export type BotContext = Context & {
  deps: TelegramBotDeps;
  identity: BotIdentity;
  user: User;
  settings: TelegramSettings;
  locale: Locale;
  t(key: MessageKey, params?: Record<string, string | number>): string;
};
