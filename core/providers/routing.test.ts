import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { failure } from './provider.ts';
import { createProviderRegistry } from './registry.ts';
import { chooseRoute, failoverTarget } from './routing.ts';

const config = parseConfig({
  RUNTIME_MODE: 'test',
  DATABASE_URL: 'postgres://localhost/x',
  RUNWAY_API_KEY: 'rk',
  LUMA_API_KEY: 'lk',
  GEMINI_API_KEY: 'gk',
  MINIMAX_API_KEY: 'mk',
  PROVIDER_ORDER: 'luma, runway',
});
const registry = createProviderRegistry(config);
const task = { provider: 'luma', hasImage: true, durationSeconds: 5, ratio: '16:9' as const };
const outage = failure('provider_unavailable', 'down', true);

describe('registry', () => {
  it('enables a provider by its secrets and orders them by PROVIDER_ORDER', () => {
    expect(registry.names()).toEqual(['luma', 'runway', 'local', 'veo', 'minimax']);
    expect(registry.get('kling')).toBeUndefined();
  });
});

describe('route choice', () => {
  it('takes the request, then the user setting, then the deployment default', () => {
    const deployment = { provider: 'local', model: undefined };

    expect(
      chooseRoute({
        request: { provider: 'runway', model: 'gen4.5' },
        user: { provider: 'luma' },
        deployment,
      }),
    ).toEqual({ provider: 'runway', model: 'gen4.5' });
    expect(
      chooseRoute({ request: {}, user: { provider: 'luma', model: 'ray-2' }, deployment }),
    ).toEqual({ provider: 'luma', model: 'ray-2' });
    expect(chooseRoute({ deployment: { provider: 'veo', model: 'veo-2.0-generate-001' } })).toEqual(
      { provider: 'veo', model: 'veo-2.0-generate-001' },
    );
  });
});

describe('failover target', () => {
  it('is the next provider in order that can serve the task', () => {
    expect(failoverTarget(registry, task, outage)).toBe('runway');
    expect(failoverTarget(registry, { ...task, provider: 'runway' }, outage)).toBeUndefined();
  });

  it('skips providers that cannot serve the duration, ratio or text-only request', () => {
    const eight = { ...task, durationSeconds: 8 };
    expect(failoverTarget(registry, eight, outage)).toBe('veo');
    expect(failoverTarget(registry, { ...eight, ratio: '1:1' }, outage)).toBeUndefined();
  });

  it('moves a task with a last frame only to a provider that takes one', () => {
    // Runway's default model (gen4_turbo) and Veo's take none; MiniMax's (Hailuo-02) does.
    const ending = { ...task, hasLastFrame: true };
    expect(failoverTarget(registry, task, outage)).toBe('runway');
    expect(failoverTarget(registry, ending, outage)).toBeUndefined();
    const tenSeconds = { ...ending, provider: 'runway', durationSeconds: 10 };
    expect(failoverTarget(registry, tenSeconds, outage)).toBe('minimax');
  });

  it('only fails over for outages, rate limits and an empty account', () => {
    for (const code of ['rate_limited', 'provider_unreachable', 'provider_out_of_credit']) {
      expect(failoverTarget(registry, task, failure(code, 'x', true))).toBe('runway');
    }
    for (const problem of [
      failure('provider_timeout', 'x', true),
      failure('safety_rejected', 'x', false),
      failure('provider_bad_response', 'x', true),
    ]) {
      expect(failoverTarget(registry, task, problem)).toBeUndefined();
    }
  });
});
