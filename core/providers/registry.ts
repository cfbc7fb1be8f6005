/**
 * Which providers this deployment has, built from config: a provider is enabled when its
 * secrets are set, at the base URL its setting names. The local provider is always there.
 * names() lists them in PROVIDER_ORDER (unlisted ones after, in a fixed order): the failover
 * order.
 */
import type { Config } from '../config.ts';
import { createFalProvider } from './fal.ts';
import { createKlingProvider } from './kling.ts';
import { createLocalProvider } from './local.ts';
import { createLumaProvider } from './luma.ts';
import { createMinimaxProvider } from './minimax.ts';
import type { Provider } from './provider.ts';
import { createReplicateProvider } from './replicate.ts';
import { createRunwayProvider } from './runway.ts';
import { createVeoProvider } from './veo.ts';

export interface ProviderRegistry {
  get(name: string): Provider | undefined;
  names(): string[];
  defaultName: string;
}

export interface RegistryOptions {
  fetch?: typeof fetch;
}

// LIMITATION: the order and enablement come from config only; the provider_settings table the
// dashboard edits is not consulted yet (the registry is built synchronously per invocation).

/** The enabled providers for a parsed config. */
export function createProviderRegistry(config: Config, options: RegistryOptions = {}) {
  const common = {
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const built: Provider[] = [
    createLocalProvider({ baseUrl: config.LOCAL_PROVIDER_URL, ...common }),
  ];
  if (config.RUNWAY_API_KEY) {
    built.push(
      createRunwayProvider({
        baseUrl: config.RUNWAY_BASE_URL,
        apiKey: config.RUNWAY_API_KEY,
        apiVersion: config.RUNWAY_API_VERSION,
        ...common,
      }),
    );
  }
  if (config.KLING_ACCESS_KEY && config.KLING_SECRET_KEY) {
    built.push(
      createKlingProvider({
        baseUrl: config.KLING_BASE_URL,
        accessKey: config.KLING_ACCESS_KEY,
        secretKey: config.KLING_SECRET_KEY,
        ...common,
      }),
    );
  }
  if (config.LUMA_API_KEY) {
    built.push(
      createLumaProvider({ baseUrl: config.LUMA_BASE_URL, apiKey: config.LUMA_API_KEY, ...common }),
    );
  }
  if (config.FAL_KEY) {
    built.push(
      createFalProvider({ baseUrl: config.FAL_BASE_URL, apiKey: config.FAL_KEY, ...common }),
    );
  }
  if (config.REPLICATE_API_TOKEN) {
    built.push(
      createReplicateProvider({
        baseUrl: config.REPLICATE_BASE_URL,
        apiToken: config.REPLICATE_API_TOKEN,
        webhooks: config.REPLICATE_WEBHOOK_SECRET !== undefined,
        ...common,
      }),
    );
  }
  if (config.GEMINI_API_KEY) {
    built.push(
      createVeoProvider({
        baseUrl: config.GEMINI_BASE_URL,
        apiKey: config.GEMINI_API_KEY,
        ...common,
      }),
    );
  }
  if (config.MINIMAX_API_KEY) {
    built.push(
      createMinimaxProvider({
        baseUrl: config.MINIMAX_BASE_URL,
        apiKey: config.MINIMAX_API_KEY,
        ...common,
      }),
    );
  }
  return registryOf(orderProviders(built, config.PROVIDER_ORDER), config.DEFAULT_PROVIDER);
}

/** The providers keyed by name, those named in `order` first, in that order. */
export function orderProviders(
  providers: readonly Provider[],
  order: readonly string[],
): Map<string, Provider> {
  const rank = (name: string) => {
    const at = order.indexOf(name);
    return at === -1 ? order.length : at;
  };
  const sorted = [...providers].sort((a, b) => rank(a.name) - rank(b.name));
  return new Map(sorted.map((provider) => [provider.name, provider]));
}

/** A registry over a fixed set of providers (tests, custom deployments). */
export function registryOf(
  providers: Map<string, Provider>,
  defaultName: string,
): ProviderRegistry {
  return {
    get: (name) => providers.get(name),
    names: () => [...providers.keys()],
    defaultName,
  };
}
