/**
 * What each model of a provider can do. A provider's declared capabilities are the union of its
 * models'; a request is checked against the one model that will serve it, so a text-only
 * request to an image-only model is refused up front.
 */
import type { AspectRatio, Provider, ProviderCapabilities } from './provider.ts';

export interface ModelSpec {
  id: string;
  imageToVideo: boolean;
  textToVideo: boolean;
  durations: readonly number[];
  ratios: readonly AspectRatio[];
  /** Takes a last frame beside the first (default false). */
  lastFrame?: boolean;
}

export interface ModelCatalog {
  defaultModel: string;
  models: readonly ModelSpec[];
}

/** A provider that serves more than one model. */
export interface CatalogProvider extends Provider {
  readonly catalog: ModelCatalog;
}

type MediaLimits = Pick<ProviderCapabilities, 'imageInput' | 'maxImageBytes' | 'imageTypes'>;

/** Provider capabilities as the union of the catalog's models. */
export function unionCapabilities(
  catalog: ModelCatalog,
  limits: MediaLimits,
): ProviderCapabilities {
  const durations = new Set<number>();
  const ratios = new Set<AspectRatio>();
  for (const model of catalog.models) {
    model.durations.forEach((d) => durations.add(d));
    model.ratios.forEach((r) => ratios.add(r));
  }
  return {
    imageToVideo: catalog.models.some((m) => m.imageToVideo),
    textToVideo: catalog.models.some((m) => m.textToVideo),
    durations: [...durations].sort((a, b) => a - b),
    ratios: [...ratios],
    lastFrame: catalog.models.some((m) => m.lastFrame === true),
    ...limits,
  };
}

export function hasCatalog(provider: Provider): provider is CatalogProvider {
  return 'catalog' in provider && typeof provider.catalog === 'object' && provider.catalog !== null;
}

export function findModel(catalog: ModelCatalog, model: string | undefined): ModelSpec | undefined {
  const id = model ?? catalog.defaultModel;
  return catalog.models.find((spec) => spec.id === id);
}

export type ModelChoice =
  | { ok: true; model: string | undefined; capabilities: ProviderCapabilities }
  | { ok: false; message: string };

/** The capabilities that apply to `model` (or the provider's default) on `provider`. */
export function capabilitiesFor(provider: Provider, model: string | undefined): ModelChoice {
  if (!hasCatalog(provider)) {
    if (model !== undefined) {
      return { ok: false, message: `${provider.name} has no model choice; leave model empty.` };
    }
    return { ok: true, model: undefined, capabilities: provider.capabilities };
  }
  const spec = findModel(provider.catalog, model);
  if (!spec) {
    const known = provider.catalog.models.map((m) => m.id).join(', ');
    return { ok: false, message: `${provider.name} has no model "${model}". Models: ${known}.` };
  }
  return {
    ok: true,
    model: spec.id,
    capabilities: {
      ...provider.capabilities,
      imageToVideo: spec.imageToVideo,
      textToVideo: spec.textToVideo,
      durations: spec.durations,
      ratios: spec.ratios,
      lastFrame: spec.lastFrame === true,
    },
  };
}
