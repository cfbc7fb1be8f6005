// Entry point of `npm run local-provider`: reads its settings from the environment once, serves
// until SIGINT/SIGTERM, then stops renders and removes its temporary files.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { z } from 'zod';
import { resolveDefaultFontPath } from './render.ts';
import { createLocalProviderServer } from './server.ts';

const envSchema = z.object({
  LOCAL_PROVIDER_PORT: z.coerce.number().int().min(0).max(65535).default(8790),
  LOCAL_PROVIDER_HOST: z.string().min(1).default('127.0.0.1'),
  LOCAL_PROVIDER_PUBLIC_URL: z.url().optional(),
  LOCAL_PROVIDER_WORK_DIR: z.string().min(1).default(join(tmpdir(), 'reelbot-local-provider')),
  LOCAL_PROVIDER_MAX_RENDERS: z.coerce.number().int().min(1).max(64).default(2),
});

function log(entry: Record<string, unknown>): void {
  console.log(
    JSON.stringify({ time: new Date().toISOString(), service: 'local-provider', ...entry }),
  );
}

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    log({ level: 'error', event: 'bad_config', issues: z.flattenError(parsed.error).fieldErrors });
    process.exitCode = 1;
    return;
  }
  const env = parsed.data;

  const server = createLocalProviderServer({
    ffmpegPath: ffmpegInstaller.path,
    fontPath: resolveDefaultFontPath(),
    workDir: env.LOCAL_PROVIDER_WORK_DIR,
    maxConcurrentRenders: env.LOCAL_PROVIDER_MAX_RENDERS,
    ...(env.LOCAL_PROVIDER_PUBLIC_URL === undefined
      ? {}
      : { publicUrl: env.LOCAL_PROVIDER_PUBLIC_URL }),
    log: (entry) => log({ level: 'info', ...entry }),
  });
  const { url } = await server.listen(env.LOCAL_PROVIDER_PORT, env.LOCAL_PROVIDER_HOST);
  log({ level: 'info', event: 'listening', url });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log({ level: 'info', event: 'stopping', signal });
    server.close().then(
      () => log({ level: 'info', event: 'stopped' }),
      (error: unknown) => {
        log({ level: 'error', event: 'stop_failed', error: String(error) });
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  log({ level: 'error', event: 'crashed', error: String(error) });
  process.exitCode = 1;
});
