// The bindings the workerd test project gives the Worker (wrangler.toml plus vitest.config.ts).
import type { WorkerBindings } from '../../core/runtime/cloudflare.ts';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerBindings {
      DATABASE_URL: string;
      LOCAL_PROVIDER_URL: string;
      PROBE_URL: string;
      RUNTIME_MODE: string;
    }
  }
}
