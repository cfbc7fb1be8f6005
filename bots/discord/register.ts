/**
 * Registers the slash commands (bots/discord/commands.ts) with Discord: globally, or for one
 * guild while developing (guild commands update at once; global ones can take a while).
 */
import { createDiscordRest } from '../../core/delivery/discord-rest.ts';
import { COMMANDS } from './commands.ts';

export interface RegisterOptions {
  apiBase: string;
  applicationId: string;
  botToken: string;
  guildId?: string | undefined;
  fetch?: typeof fetch;
}

export type RegisterOutcome =
  | { ok: true; scope: 'global' | 'guild'; names: string[] }
  | { ok: false; message: string };

/** Overwrites the application's commands with COMMANDS (PUT replaces the whole list). */
export async function registerCommands(options: RegisterOptions): Promise<RegisterOutcome> {
  const rest = createDiscordRest({
    apiBase: options.apiBase,
    botToken: options.botToken,
    maxWaitMs: 60_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const path = options.guildId
    ? `/applications/${options.applicationId}/guilds/${options.guildId}/commands`
    : `/applications/${options.applicationId}/commands`;
  const result = await rest.request('PUT', path, { auth: 'bot', body: { json: COMMANDS } });
  if (!result.ok) return { ok: false, message: result.message };

  const names = Array.isArray(result.body)
    ? result.body.map((command: { name?: unknown }) => String(command.name))
    : [];
  return { ok: true, scope: options.guildId ? 'guild' : 'global', names };
}
