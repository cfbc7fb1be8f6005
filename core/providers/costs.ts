/**
 * Estimated cost of a video: a per-second rate by provider and model, from one table that
 * PROVIDER_COSTS (JSON) overrides. Estimates only: the providers bill in credits, tiers and
 * resolutions this table flattens; a provider that reports its real cost replaces the estimate.
 */
import { z } from 'zod';

/**
 * USD per second of video, by provider, then model (`*`: any model of that provider). A
 * `<model>:last_frame` entry prices a video with a last frame where that costs more (Kling
 * takes one only in pro mode).
 */
export type CostTable = Record<string, Record<string, number>>;

// Published list prices at the time of writing, per second of 720p-ish output.
export const DEFAULT_COSTS: CostTable = {
  local: { '*': 0 },
  runway: { gen4_turbo: 0.05, gen3a_turbo: 0.05, 'gen4.5': 0.12, '*': 0.05 },
  kling: {
    'kling-v2-1': 0.056,
    'kling-v2-1:last_frame': 0.098,
    'kling-v1-6': 0.056,
    'kling-v1-6:last_frame': 0.098,
    'kling-v2-master': 0.28,
    '*': 0.056,
  },
  luma: { 'ray-2': 0.14, 'ray-flash-2': 0.05, '*': 0.14 },
  fal: {
    'fal-ai/kling-video/v2.1/standard/image-to-video': 0.05,
    'fal-ai/pika/v2.2/image-to-video': 0.04,
    'fal-ai/pika/v2.2/text-to-video': 0.04,
    'fal-ai/veo3/fast': 0.4,
    '*': 0.05,
  },
  replicate: {
    'minimax/video-01': 0.083,
    'kwaivgi/kling-v1.6-standard': 0.05,
    'google/veo-3-fast': 0.4,
    '*': 0.05,
  },
  veo: {
    'veo-3.1-generate-preview': 0.4,
    'veo-3.1-fast-generate-preview': 0.15,
    'veo-3.0-generate-001': 0.4,
    'veo-3.0-fast-generate-001': 0.15,
    'veo-2.0-generate-001': 0.35,
    '*': 0.4,
  },
  minimax: { 'MiniMax-Hailuo-02': 0.045, 'T2V-01': 0.072, 'I2V-01': 0.072, '*': 0.045 },
};

const overrideSchema = z.record(z.string(), z.record(z.string(), z.number().min(0)));

/** Parses PROVIDER_COSTS; the problem as a sentence when it is not a valid table. */
export function parseCostOverrides(json: string | undefined): CostTable | string {
  if (json === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'must be JSON like {"runway":{"gen4_turbo":0.05}}';
  }
  const parsed = overrideSchema.safeParse(value);
  return parsed.success ? parsed.data : 'must map provider → model → USD per second (≥ 0)';
}

/** The default table with `overrides` laid over it, model by model. */
export function costTable(overrides: CostTable = {}): CostTable {
  const table: CostTable = {};
  for (const name of new Set([...Object.keys(DEFAULT_COSTS), ...Object.keys(overrides)])) {
    table[name] = { ...DEFAULT_COSTS[name], ...overrides[name] };
  }
  return table;
}

/** Estimated USD for `seconds` of video; null when the table knows nothing of the provider. */
export function estimateCostUsd(
  table: CostTable,
  provider: string,
  model: string | undefined,
  seconds: number,
  options: { lastFrame?: boolean } = {},
): number | null {
  const rates = table[provider];
  const variant =
    model !== undefined && options.lastFrame ? rates?.[`${model}:last_frame`] : undefined;
  const rate = variant ?? (model === undefined ? undefined : rates?.[model]) ?? rates?.['*'];
  if (rate === undefined) return null;
  return Math.round(rate * seconds * 10_000) / 10_000;
}
