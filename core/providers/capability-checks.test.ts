// Requests a provider cannot serve are refused before anything is stored or queued.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { createTask } from '../tasks/create-task.ts';
import type { TaskServiceDeps } from '../tasks/service.ts';
import { createProviderRegistry } from './registry.ts';

const config = parseConfig({
  RUNTIME_MODE: 'test',
  DATABASE_URL: 'postgres://localhost/x',
  RUNWAY_API_KEY: 'rk',
  DEFAULT_PROVIDER: 'runway',
});
const untouchable = new Proxy(
  {},
  {
    get(_target, name) {
      throw new Error(`a refused request must not reach ${String(name)}`);
    },
  },
);
const deps = {
  config,
  providers: createProviderRegistry(config),
  store: untouchable,
  objects: untouchable,
  queue: untouchable,
} as unknown as TaskServiceDeps;
const base = { userId: 'u', source: 'api' as const, prompt: 'a calm sea' };

async function refusal(input: Partial<Parameters<typeof createTask>[1]>) {
  const outcome = await createTask(deps, { ...base, ...input });
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome.error;
}

describe('capability checks at creation', () => {
  it('refuses text alone to an image-only model, naming the model', async () => {
    const error = await refusal({});

    expect(error).toMatchObject({ code: 'unsupported_request' });
    expect(error.message).toBe('runway gen4_turbo needs an image to make a video.');
  });

  it('refuses a duration the chosen model does not make', async () => {
    const error = await refusal({ model: 'gen4.5', durationSeconds: 12 });

    expect(error.message).toMatch(/runway makes videos of 2–10 seconds; 12 was asked/);
  });

  it('refuses a ratio the chosen model does not make', async () => {
    const error = await refusal({ model: 'gen4.5', ratio: '1:1' });

    expect(error.message).toBe('runway supports the aspect ratios 16:9, 9:16.');
  });

  it('refuses a model the provider does not have, listing the ones it has', async () => {
    const error = await refusal({ model: 'gen9' });

    expect(error.message).toBe(
      'runway has no model "gen9". Models: gen4_turbo, gen3a_turbo, gen4.5.',
    );
  });

  it('refuses a model for a provider without model choice', async () => {
    const error = await refusal({ provider: 'local', model: 'anything' });

    expect(error.message).toMatch(/local has no model choice/);
  });
});
