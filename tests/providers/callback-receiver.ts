// The real callback route (bots/providers/routes.ts) on a loopback HTTP server, with an
// in-memory dedupe table and a list of the wake-ups it asked for, so fake providers can call
// it back over real HTTP as the real ones call the Worker.
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { createServer } from 'node:http';
import type { AppEnv } from '../../bots/context.ts';
import { createProviderCallbackRoutes } from '../../bots/providers/routes.ts';
import { signCallbackUrl } from '../../core/providers/callback-token.ts';
import type { Jwk } from '../../core/providers/webhook-signatures.ts';

export const RECEIVER_SECRET = 'callback-test-secret-at-least-32-characters';

export interface CallbackReceiver {
  url: string;
  wakes: string[];
  /** A callback URL for `taskId` at `provider`, signed as advance() signs it. */
  callbackUrl(provider: string, taskId: string, expiresAt?: Date): Promise<string>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(
  options: { replicateSecret?: string; falKeys?: () => Promise<Jwk[]> } = {},
): Promise<CallbackReceiver> {
  const wakes: string[] = [];
  const seen = new Set<string>();
  const routes = createProviderCallbackRoutes(() => ({
    config: { SIGNING_SECRET: RECEIVER_SECRET, REPLICATE_WEBHOOK_SECRET: options.replicateSecret },
    async recordOnce(provider, key) {
      const id = `${provider}\n${key}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    },
    async wake(taskId) {
      wakes.push(taskId);
    },
    falKeys: options.falKeys ?? (async () => []),
  }));
  const app = new Hono<AppEnv>().route('/providers', routes);
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    wakes,
    callbackUrl: (provider, taskId, expiresAt = new Date(Date.now() + 3600_000)) =>
      signCallbackUrl({ baseUrl: url, provider, taskId, expiresAt, secret: RECEIVER_SECRET }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
