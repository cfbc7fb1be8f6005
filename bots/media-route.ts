/**
 * GET /media/<key>?exp=&sig=: serves a stored video or image through the Worker when links are
 * signed by us rather than presigned by R2 (the local stack). Supports Range so browsers can
 * play and seek.
 */
import { Hono } from 'hono';
import { objectKeyFromLinkPath, verifyObjectLink } from '../core/storage/signed-link.ts';
import type { AppEnv } from './context.ts';
import { HttpError } from './http-error.ts';

const RANGE = /^bytes=(\d*)-(\d*)$/;

export const mediaRoutes = new Hono<AppEnv>();

mediaRoutes.on(['GET', 'HEAD'], '/*', async (c) => {
  const { runtime } = c.var;
  const key = objectKeyFromLinkPath(new URL(c.req.url).pathname);
  if (!key) throw new HttpError(404, 'not_found', 'No such object.');
  const exp = c.req.query('exp') ?? '';
  const sig = c.req.query('sig') ?? '';
  const valid = await verifyObjectLink({
    key,
    exp,
    sig,
    secret: runtime.config.SIGNING_SECRET,
    now: new Date(),
  });
  if (!valid) throw new HttpError(403, 'forbidden', 'This link is not valid or has expired.');

  const head = await runtime.objects.head(key);
  if (!head) throw new HttpError(404, 'not_found', 'No such object.');

  const range = parseRange(c.req.header('range'), head.size);
  if (range === 'invalid') {
    return c.body(null, 416, { 'content-range': `bytes */${head.size}` });
  }
  const headers: Record<string, string> = {
    'content-type': head.contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=300',
  };
  if (c.req.method === 'HEAD') {
    return c.body(null, 200, { ...headers, 'content-length': String(head.size) });
  }

  const object = await runtime.objects.get(key, range ?? undefined);
  if (!object) throw new HttpError(404, 'not_found', 'No such object.');
  if (!range) {
    return c.body(object.body, 200, { ...headers, 'content-length': String(object.size) });
  }
  const end = range.offset + range.length - 1;
  return c.body(object.body, 206, {
    ...headers,
    'content-length': String(range.length),
    'content-range': `bytes ${range.offset}-${end}/${head.size}`,
  });
});

function parseRange(header: string | undefined, size: number) {
  if (!header) return null;
  const match = RANGE.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid' as const;
  let start: number;
  let end: number;
  if (match[1] === '') {
    // "bytes=-N": the last N bytes.
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid' as const;
  return { offset: start, length: end - start + 1 };
}
