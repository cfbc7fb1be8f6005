/**
 * Registers reelbot's Discord slash commands.
 *   npx tsx scripts/discord-register.ts                 global commands (every guild and DM)
 *   npx tsx scripts/discord-register.ts --guild <id>    one guild, updated at once (development)
 * Reads DISCORD_APPLICATION_ID, DISCORD_BOT_TOKEN and DISCORD_API_BASE from the environment.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { registerCommands } from '../bots/discord/register.ts';

const envSchema = z.object({
  DISCORD_APPLICATION_ID: z.string().regex(/^\d+$/, 'must be the numeric application id'),
  DISCORD_BOT_TOKEN: z.string().min(1, 'is required'),
  DISCORD_API_BASE: z.url().default('https://discord.com/api/v10'),
});

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { guild: { type: 'string' } } });
  const env = envSchema.safeParse(process.env);
  if (!env.success) {
    for (const issue of env.error.issues)
      console.error(`${issue.path.join('.')}: ${issue.message}`);
    return 2;
  }
  if (values.guild !== undefined && !/^\d+$/.test(values.guild)) {
    console.error('--guild must be a numeric guild id');
    return 2;
  }

  const outcome = await registerCommands({
    apiBase: env.data.DISCORD_API_BASE,
    applicationId: env.data.DISCORD_APPLICATION_ID,
    botToken: env.data.DISCORD_BOT_TOKEN,
    guildId: values.guild,
  });
  if (!outcome.ok) {
    console.error(`Registration failed: ${outcome.message}`);
    return 1;
  }
  const where = outcome.scope === 'guild' ? `guild ${values.guild}` : 'all guilds and DMs';
  console.log(`Registered /${outcome.names.join(', /')} for ${where}.`);
  return 0;
}

process.exitCode = await main();
