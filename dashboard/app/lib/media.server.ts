/**
 * A task's input image, last frame or output video, read from R2 for a signed-in admin. Range
 * requests are answered so the video player can seek.
 */
import { createR2Store } from '../../../core/storage/r2-store.ts';
import type { DashboardRuntime } from './runtime.server.ts';

const RANGE = /^bytes=(\d*)-(\d*)$/;

export const MEDIA_KINDS = ['input', 'last', 'output'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export async function serveTaskMedia(
  runtime: DashboardRuntime,
  request: Request,
  taskId: string,
  kind: MediaKind,
): Promise<Response> {
  const task = (await runtime.store.getTask(taskId))?.task;
  const keys = {
    input: task?.inputKey,
    last: task?.params.lastFrame?.key,
    output: task?.outputKey,
  };
  const key = keys[kind];
  if (!key) return new Response('No such file', { status: 404 });

  const objects = createR2Store(runtime.env.MEDIA);
  const head = await objects.head(key);
  if (!head) return new Response('The file is gone from storage', { status: 404 });

  const range = parseRange(request.headers.get('range'), head.size);
  if (range === 'invalid') {
    return new Response(null, {
      status: 416,
      headers: { 'content-range': `bytes */${head.size}` },
    });
  }
  const object = await objects.get(key, range ?? undefined);
  if (!object) return new Response('The file is gone from storage', { status: 404 });

  const headers = new Headers({
    'content-type': head.contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=300',
    'content-length': String(range ? range.length : head.size),
  });
  if (!range) return new Response(object.body, { status: 200, headers });
  headers.set(
    'content-range',
    `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`,
  );
  return new Response(object.body, { status: 206, headers });
}

function parseRange(header: string | null, size: number) {
  if (!header) return null;
  const match = RANGE.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid' as const;
  const start = match[1] === '' ? Math.max(0, size - Number(match[2])) : Number(match[1]);
  const end = match[1] === '' || match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start > end || start >= size) return 'invalid' as const;
  return { offset: start, length: end - start + 1 };
}
