/** GET /media/:id/input|output: a job's image or video, for signed-in admins only. */
import type { LoaderFunctionArgs } from '@remix-run/cloudflare';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { serveTaskMedia } from '../lib/media.server.ts';
import { withRuntime } from '../lib/runtime.server.ts';

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const id = field.uuid(params.id);
    const kind = params.kind === 'input' || params.kind === 'output' ? params.kind : null;
    if (!id || !kind) return new Response('No such file', { status: 404 });
    return serveTaskMedia(runtime, request, id, kind);
  });
}
