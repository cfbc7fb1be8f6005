/** Providers: which are enabled, their failover order and default model, and how they did. */
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import { useLoaderData } from '@remix-run/react';
import { createProviderRegistry } from '../../../core/providers/registry.ts';
import { requireAdmin } from '../lib/auth.server.ts';
import { formatPercent, formatSeconds } from '../lib/format.ts';
import { withRuntime } from '../lib/runtime.server.ts';

export const meta: MetaFunction = () => [{ title: 'Providers · reelbot admin' }];

const WINDOW_DAYS = 7;
// LIMITATION: read-only. Which providers are enabled, their failover order and default models
// come from settings (secrets, PROVIDER_ORDER, the provider catalogs), not from the dashboard.

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withRuntime(context, async (runtime) => {
    await requireAdmin(request, runtime.config);
    const registry = createProviderRegistry(runtime.config);
    const since = new Date(Date.now() - WINDOW_DAYS * 86_400_000);
    const stats = await runtime.store.providerStats(since);
    const enabled = registry.names();
    const seen = stats.map((row) => row.name).filter((name) => !enabled.includes(name));
    return {
      defaultName: registry.defaultName,
      providers: [...enabled, ...seen].map((name, index) => {
        const provider = registry.get(name);
        const catalog = (provider as { catalog?: { defaultModel?: string } } | undefined)?.catalog;
        return {
          name,
          enabled: provider !== undefined,
          position: provider ? index + 1 : null,
          defaultModel: catalog?.defaultModel ?? null,
          capabilities: provider?.capabilities ?? null,
          stats: stats.find((row) => row.name === name) ?? null,
        };
      }),
    };
  });
}

export default function Providers() {
  const { defaultName, providers } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Providers</h1>
      <p>
        A provider is enabled when its secrets are set; failover follows the order below (the
        PROVIDER_ORDER setting). New jobs go to <strong>{defaultName}</strong> unless they name
        another. Figures cover the last {WINDOW_DAYS} days.
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Provider</th>
              <th scope="col">State</th>
              <th scope="col">Default model</th>
              <th scope="col">Makes</th>
              <th scope="col">Jobs</th>
              <th scope="col">Success rate</th>
              <th scope="col">Time p50 / p95</th>
            </tr>
          </thead>
          <tbody>
            {providers.map((provider) => {
              const finished = (provider.stats?.completed ?? 0) + (provider.stats?.failed ?? 0);
              const makes = provider.capabilities
                ? [
                    provider.capabilities.imageToVideo ? 'image→video' : null,
                    provider.capabilities.textToVideo ? 'text→video' : null,
                    provider.capabilities.lastFrame ? 'last frame' : null,
                  ]
                    .filter(Boolean)
                    .join(', ')
                : '—';
              return (
                <tr key={provider.name}>
                  <td>{provider.position ?? '—'}</td>
                  <td>{provider.name}</td>
                  <td>
                    {provider.enabled ? (
                      <span className="badge completed">enabled</span>
                    ) : (
                      <span className="badge canceled">not configured</span>
                    )}
                  </td>
                  <td className="mono">{provider.defaultModel ?? '—'}</td>
                  <td>{makes}</td>
                  <td>{provider.stats?.total ?? 0}</td>
                  <td>{formatPercent(provider.stats?.completed ?? 0, finished)}</td>
                  <td>
                    {formatSeconds(provider.stats?.p50_seconds)} /{' '}
                    {formatSeconds(provider.stats?.p95_seconds)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
