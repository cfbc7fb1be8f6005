// Types the dashboard's runtime adds: the load context Remix hands to loaders and actions, and
// the browser globals the client code uses.
import type { WorkerEnv } from '../core/runtime/cloudflare.ts';

declare module '@remix-run/cloudflare' {
  interface AppLoadContext {
    cloudflare: { env: WorkerEnv; ctx: Pick<ExecutionContext, 'waitUntil'> };
  }
}

declare global {
  // The browser globals the client code touches; the dashboard compiles against the Workers
  // types (as core does), whose Uint8Array and BodyInit disagree with lib.dom's.
  const document: Document & { visibilityState: 'visible' | 'hidden' };
  interface HTMLInputElement {
    checked: boolean;
    value: string;
  }
  interface HTMLSelectElement {
    value: string;
  }
}
