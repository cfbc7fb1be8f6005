// The binding vitest.config.ts adds for the Discord suites: where the fake Discord API listens.
declare global {
  namespace Cloudflare {
    interface Env {
      DISCORD_FAKE_URL: string;
    }
  }
}

export {};
