import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.ts';

describe('backoffDelayMs', () => {
  it('doubles the ceiling with each attempt, up to the cap', () => {
    const top = (attempt: number) => backoffDelayMs(attempt, { random: () => 1 });
    expect([1, 2, 3, 4].map(top)).toEqual([2000, 4000, 8000, 16000]);
    expect(top(20)).toBe(60_000);
  });

  it('keeps half of the ceiling fixed and jitters the rest', () => {
    expect(backoffDelayMs(3, { random: () => 0 })).toBe(4000);
    expect(backoffDelayMs(3, { random: () => 0.5 })).toBe(6000);
  });

  it('uses Retry-After when the provider sent one', () => {
    expect(backoffDelayMs(1, { retryAfterMs: 7000, random: () => 0 })).toBe(7000);
  });
});
