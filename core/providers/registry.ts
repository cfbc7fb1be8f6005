/**
 * Which providers this deployment has, built from config: a provider is enabled when its
 * settings are present. The local provider is always there when LOCAL_PROVIDER_URL is set.
 */
import type { Config } from '../config.ts';
import { createLocalProvider } from './local.ts';
import type { Provider } from './provider.ts';

export interface ProviderRegistry {
  get(name: string): Provider | undefined;
  names(): string[];
  defaultName: string;
}

export interface RegistryOptions {
  fetch?: typeof fetch;
}

/** The enabled providers for a parsed config. */
export function createProviderRegistry(config: Config, options: RegistryOptions = {}) {
  const providers = new Map<string, Provider>();
  const common = {
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  providers.set('local', createLocalProvider({ baseUrl: config.LOCAL_PROVIDER_URL, ...common }));
  return registryOf(providers, config.DEFAULT_PROVIDER);
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
