import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { testPorts } from './tests/helpers/ports.ts';
import { discordFakePort } from './tests/fakes/discord-api.ts';

const ports = await testPorts();

export default defineConfig({
  test: {
    globalSetup: ['tests/helpers/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'core/**/*.test.ts',
            'bots/**/*.test.ts',
            'local-provider/**/*.test.ts',
            'consumer/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The dashboard's loaders and actions in Node (not workerd) against the real database.
          name: 'dashboard',
          include: ['dashboard/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                RUNTIME_MODE: 'test',
                REELBOT_TEST_PORTS: JSON.stringify(ports),
                DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${ports.postgres}/postgres`,
                LOCAL_PROVIDER_URL: `http://127.0.0.1:${ports.localProvider}`,
                PROBE_URL: `http://127.0.0.1:${ports.probe}`,
                DNS_CHECK_IMAGE_URLS: 'false',
                TASK_DEADLINE_SECONDS: '300',
                PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
                SIGNING_SECRET: 'test-signing-secret-at-least-32-characters',
                // The workerd suite's own bot on the fake Bot API (tests/fakes/telegram-api.ts).
                TELEGRAM_BOT_TOKEN: '7000001:workerd-suite-bot-token-0000000000',
                TELEGRAM_WEBHOOK_SECRET: 'telegram-test-secret-token',
                TELEGRAM_API_ROOT: `http://127.0.0.1:${ports.telegramApi}`,
                TELEGRAM_ALBUM_WAIT_MS: '300',
                // The fake Discord API started by the global setup (tests/fakes/discord-api.ts).
                DISCORD_FAKE_URL: `http://127.0.0.1:${await discordFakePort()}`,
              },
            },
          }),
        ],
        test: {
          name: 'workerd',
          include: ['tests/workerd/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
