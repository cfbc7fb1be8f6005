// Starts what the integration and workerd suites need, once per run: a real Postgres with the
// real migrations, the real local provider (ffmpeg), and a probe service so tests inside
// workerd can have ffprobe read a video.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../scripts/db/embedded.ts';
import { applyMigrations, ensureSupabaseRoles } from '../../scripts/db/migrate.ts';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { createLocalProviderServer } from '../../local-provider/server.ts';
import { resolveDefaultFontPath } from '../../local-provider/render.ts';
import { startProbeServer } from './probe-server.ts';
import { startFakeTelegram } from '../fakes/telegram-api.ts';
import { discordFakePort, startFakeDiscord } from '../fakes/discord-api.ts';
import { testPorts } from './ports.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const ports = await testPorts();
  const dataDir = await mkdtemp(join(tmpdir(), 'reelbot-test-pg-'));
  const db = await startEmbeddedPostgres({ dataDir, port: ports.postgres, persistent: false });
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  await ensureSupabaseRoles(sql);
  await applyMigrations(sql);
  await sql.end();

  const providerDir = await mkdtemp(join(tmpdir(), 'reelbot-test-provider-'));
  const provider = createLocalProviderServer({
    ffmpegPath: ffmpegInstaller.path,
    fontPath: resolveDefaultFontPath(),
    workDir: providerDir,
  });
  await provider.listen(ports.localProvider, '127.0.0.1');
  const probe = await startProbeServer(ports.probe);
  // The fake Bot API; tests reach it at http://127.0.0.1:<ports.telegramApi>, state per token.
  const telegram = await startFakeTelegram({ port: ports.telegramApi });
  // The fake Discord API (tests/fakes/discord-api.ts) on the port vitest.config.ts handed to
  // workerd as DISCORD_FAKE_URL; it is unref'd, so it needs no teardown.
  await startFakeDiscord(await discordFakePort());

  return async () => {
    await telegram.close();
    await probe.close();
    await provider.close();
    await rm(providerDir, { recursive: true, force: true });
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
