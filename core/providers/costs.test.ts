import { describe, expect, it } from 'vitest';
import { costTable, DEFAULT_COSTS, estimateCostUsd, parseCostOverrides } from './costs.ts';

describe('cost estimates', () => {
  it('prices seconds of video by provider and model, falling back to the provider rate', () => {
    const table = costTable();

    expect(estimateCostUsd(table, 'runway', 'gen4_turbo', 10)).toBe(0.5);
    expect(estimateCostUsd(table, 'veo', 'veo-3.0-generate-001', 8)).toBe(3.2);
    expect(estimateCostUsd(table, 'kling', 'some-new-model', 5)).toBe(0.28);
    expect(estimateCostUsd(table, 'local', undefined, 5)).toBe(0);
    expect(estimateCostUsd(table, 'unknown', undefined, 5)).toBeNull();
  });

  it('prices a last frame at its own rate where it costs more, else at the model rate', () => {
    const table = costTable();

    expect(estimateCostUsd(table, 'kling', 'kling-v2-1', 5, { lastFrame: true })).toBe(0.49);
    expect(estimateCostUsd(table, 'kling', 'kling-v2-1', 5)).toBe(0.28);
    expect(estimateCostUsd(table, 'luma', 'ray-2', 5, { lastFrame: true })).toBe(0.7);
  });

  it('lets PROVIDER_COSTS override one model without losing the others', () => {
    const overrides = parseCostOverrides('{"runway":{"gen4_turbo":0.1},"acme":{"*":0.2}}');
    if (typeof overrides === 'string') throw new Error(overrides);
    const table = costTable(overrides);

    expect(estimateCostUsd(table, 'runway', 'gen4_turbo', 5)).toBe(0.5);
    expect(estimateCostUsd(table, 'runway', 'gen3a_turbo', 5)).toBe(0.25);
    expect(estimateCostUsd(table, 'acme', 'x', 5)).toBe(1);
    expect(DEFAULT_COSTS.runway?.gen4_turbo).toBe(0.05);
  });

  it('explains a PROVIDER_COSTS that is not a rate table', () => {
    expect(parseCostOverrides('not json')).toMatch(/must be JSON/);
    expect(parseCostOverrides('{"runway":{"gen4_turbo":-1}}')).toMatch(/USD per second/);
    expect(parseCostOverrides(undefined)).toEqual({});
  });
});
