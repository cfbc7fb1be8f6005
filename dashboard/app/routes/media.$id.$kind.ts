/** GET /media/:id/input|last|output: a job's images or video, for signed-in admins only. */
import type { LoaderFunctionArgs } from '@remix-run/cloudflare';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { MEDIA_KINDS, serveTaskMedia, type MediaKind } from '../lib/media.server.ts';
import { withRuntime } from '../lib/runtime.server.ts';

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const id = field.uuid(params.id);
    const kind = MEDIA_KINDS.find((k): k is MediaKind => k === params.kind) ?? null;
    if (!id || !kind) return new Response('No such file', { status: 404 });
    return serveTaskMedia(runtime, request, id, kind);
  });
}
