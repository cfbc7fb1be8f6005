/** Bearer API keys: the key is hashed (SHA-256) and looked up; only the hash is stored. */
import { createMiddleware } from 'hono/factory';
import { sha256Hex } from '../../core/crypto.ts';
import type { AppEnv } from '../context.ts';
import { HttpError } from '../http-error.ts';

const BEARER = /^Bearer\s+(\S{8,200})$/i;

/** Requires `Authorization: Bearer <key>`; sets `apiKey` for the routes after it. */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header('authorization') ?? '');
  if (!match?.[1]) {
    throw new HttpError(
      401,
      'unauthorized',
      'Send your API key as "Authorization: Bearer <key>".',
      {
        'www-authenticate': 'Bearer',
      },
    );
  }
  const key = await c.var.runtime.store.findApiKey(await sha256Hex(match[1]));
  if (!key) {
    throw new HttpError(401, 'unauthorized', 'The API key is not valid.', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  c.set('apiKey', key);
  await next();
});

/** A new API key and what is stored of it. */
export async function generateApiKey(): Promise<{ key: string; hash: string; prefix: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const key = `rb_${btoa(String.fromCharCode(...bytes))
    .replace(/[+/=]/g, '')
    .slice(0, 32)}`;
  return { key, hash: await sha256Hex(key), prefix: key.slice(0, 7) };
}
