// Vite builds the dashboard from the repository root (one package.json): `appDirectory` points
// Remix at dashboard/app, and the output lands in dashboard/build for wrangler.
import { fileURLToPath } from 'node:url';
import { cloudflareDevProxyVitePlugin, vitePlugin as remix } from '@remix-run/dev';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

// `remix vite:dev` runs loaders in Node (bindings come from wrangler's platform proxy), but the
// proxy plugin resolves dependencies for workerd, and postgres' workerd build imports
// cloudflare:sockets, which Node cannot load: in dev, postgres gets its Node build.
const postgresForNode: Plugin = {
  name: 'reelbot-postgres-for-node',
  apply: 'serve',
  config: () => ({
    resolve: { alias: { postgres: `${root}node_modules/postgres/src/index.js` } },
  }),
};

export default defineConfig({
  root,
  plugins: [
    postgresForNode,
    cloudflareDevProxyVitePlugin({ configPath: 'dashboard/wrangler.toml', environment: 'local' }),
    remix({
      appDirectory: 'dashboard/app',
      buildDirectory: 'dashboard/build',
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  server: { fs: { allow: [root] } },
  build: { emptyOutDir: true },
});
