/**
 * The workerd side of the relay benchmark, built by wrangler and run by Miniflare.
 * POST /relay {"taskId"} runs one advance step of that task with the R2 binding as the object
 * store, exactly as the queue consumer would. POST /put {"url"} is the baseline in the same
 * runtime: the fetched body straight into R2, with no task service around it.
 */
import { createR2Store } from '../core/storage/r2-store.ts';
import { createRelayService } from './support/relay-service.ts';

interface RelayEnv {
  MEDIA: R2Bucket;
  DATABASE_URL: string;
}

async function relay(env: RelayEnv, ctx: ExecutionContext, taskId: string): Promise<Response> {
  const objects = createR2Store(env.MEDIA);
  const service = createRelayService(env.DATABASE_URL, objects);
  try {
    const outcome = await service.service.advance(taskId);
    const key = `outputs/${taskId}.mp4`;
    const stored = await objects.head(key);
    // Not needed once measured; keeps the bucket (and the disk) small.
    if (stored) await objects.delete(key);
    return Response.json({ outcome, size: stored?.size ?? null });
  } finally {
    ctx.waitUntil(service.close());
  }
}

async function plainPut(env: RelayEnv, url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok || !response.body) return Response.json({ size: null }, { status: 502 });
  // A body with a Content-Length is a stream of known length, which R2 takes as it is.
  const object = await env.MEDIA.put('plain.mp4', response.body);
  await env.MEDIA.delete('plain.mp4');
  return Response.json({ size: object?.size ?? null });
}

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (request.method !== 'POST') return new Response('POST only', { status: 405 });
    try {
      const body = await request.json<{ taskId?: string; url?: string }>();
      if (path === '/relay' && body.taskId) return await relay(env, ctx, body.taskId);
      if (path === '/put' && body.url) return await plainPut(env, body.url);
      return new Response('not found', { status: 404 });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return Response.json({ error: message }, { status: 500 });
    }
  },
} satisfies ExportedHandler<RelayEnv>;
