/**
 * New job: an image (optional, with a last frame where the provider takes one) and a prompt,
 * made as the signed-in admin; then its page.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { json, redirect } from '@remix-run/cloudflare';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { ASPECT_RATIOS, type AspectRatio } from '../../../core/providers/provider.ts';
import { createProviderRegistry } from '../../../core/providers/registry.ts';
import { Notice } from '../components/notice.tsx';
import { requireAdmin } from '../lib/auth.server.ts';
import * as field from '../lib/forms.server.ts';
import { withRuntime } from '../lib/runtime.server.ts';

export const meta: MetaFunction = () => [{ title: 'New job · reelbot admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const registry = createProviderRegistry(runtime.config);
    return {
      defaultName: registry.defaultName,
      maxImageBytes: runtime.config.MAX_IMAGE_BYTES,
      providers: registry.names().flatMap((name) => {
        const provider = registry.get(name);
        if (!provider) return [];
        const { durations, ratios, imageToVideo, textToVideo, lastFrame } = provider.capabilities;
        return [
          {
            name,
            durations: [...durations],
            ratios: [...ratios],
            imageToVideo,
            textToVideo,
            lastFrame,
          },
        ];
      }),
    };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    const admin = await requireAdmin(request, runtime.config);
    const form = await request.formData();
    const bytes = await fileBytes(form.get('image'));
    const lastBytes = await fileBytes(form.get('last_frame'));
    const ratio = ASPECT_RATIOS.find((value) => value === form.get('ratio'));
    const duration = Number(form.get('duration'));

    const { store, service } = runtime.tasks();
    const user = await store.ensureUser('dashboard', admin.identity, admin.identity);
    const outcome = await service.create({
      userId: user.id,
      source: 'dashboard',
      prompt: field.text(form.get('prompt')) ?? '',
      provider: field.text(form.get('provider')),
      durationSeconds: Number.isInteger(duration) && duration > 0 ? duration : undefined,
      ratio: ratio as AspectRatio | undefined,
      image: bytes ? { bytes } : undefined,
      lastFrame: lastBytes ? { bytes: lastBytes } : undefined,
    });
    if (!outcome.ok) {
      return json({ error: outcome.error.message }, { status: 400 });
    }
    await runtime.store.audit(
      admin.identity,
      'task.create',
      { type: 'task', id: outcome.task.id },
      {
        provider: outcome.task.provider,
        with_image: bytes !== null,
        with_last_frame: lastBytes !== null,
      },
    );
    return redirect(`/jobs/${outcome.task.id}?created=1`);
  });
}

async function fileBytes(value: unknown): Promise<Uint8Array | null> {
  return value instanceof Blob && value.size > 0 ? new Uint8Array(await value.arrayBuffer()) : null;
}

export default function NewJob() {
  const { providers, defaultName, maxImageBytes } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const [providerName, setProviderName] = useState(defaultName);
  const provider = providers.find((p) => p.name === providerName) ?? providers[0];

  return (
    <>
      <h1>New job</h1>
      <p>Make a video as yourself, the way a chat user would. You will see it move to done.</p>
      <Notice error={result?.error} />
      <Form method="post" encType="multipart/form-data" className="panel new-job">
        <div className="grid-2">
          <label>
            Image (JPEG, PNG or WebP, up to {Math.floor(maxImageBytes / 1048576)} MB
            {provider?.textToVideo ? '; leave empty for text to video' : ''})
            <input type="file" name="image" accept="image/jpeg,image/png,image/webp" />
          </label>
          {provider?.lastFrame ? (
            <label>
              Last frame (optional: the image the video ends on)
              <input type="file" name="last_frame" accept="image/jpeg,image/png,image/webp" />
            </label>
          ) : null}
          <label>
            Provider
            <select
              name="provider"
              value={provider?.name ?? ''}
              onChange={(event) => setProviderName(event.target.value)}
            >
              {providers.map((p) => (
                <option key={p.name}>{p.name}</option>
              ))}
            </select>
          </label>
          <label>
            Duration (seconds)
            <select name="duration" defaultValue={provider?.durations.includes(5) ? 5 : undefined}>
              {provider?.durations.map((seconds) => (
                <option key={seconds} value={seconds}>
                  {seconds}
                </option>
              ))}
            </select>
          </label>
          <label>
            Aspect ratio
            <select name="ratio" defaultValue="16:9">
              {provider?.ratios.map((ratio) => (
                <option key={ratio}>{ratio}</option>
              ))}
            </select>
          </label>
        </div>
        <label>
          Prompt
          <textarea
            name="prompt"
            required
            maxLength={4000}
            placeholder="a slow pan over the city at dusk"
          />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create job'}
          </button>
        </div>
      </Form>
    </>
  );
}
