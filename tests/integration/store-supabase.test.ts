// The supabase adapter through supabase-js, its RPC calls answered by a PostgREST fake over the
// same real database.
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupabaseRpc } from '../../core/store/supabase-rpc.ts';
import { TaskStore } from '../../core/store/task-store.ts';
import { startFakePostgrest, type FakePostgrest } from '../fakes/postgrest.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('supabase', async () => {
  const postgrest = await startFakePostgrest(TEST_DATABASE_URL);
  const store = new TaskStore(createSupabaseRpc(postgrest.url, postgrest.keyFor('service_role')));
  return {
    store,
    close: async () => {
      await store.close();
      await postgrest.close();
    },
  };
});

describe('supabase keys other than the service role', () => {
  let postgrest: FakePostgrest;
  beforeAll(async () => {
    postgrest = await startFakePostgrest(TEST_DATABASE_URL);
  });
  afterAll(() => postgrest.close());

  it('the anon key can call no function', async () => {
    const anon = createClient(postgrest.url, postgrest.keyFor('anon'), {
      realtime: { transport: class {} as never },
    });
    const { data, error } = await anon.rpc('ensure_user', {
      p_platform: 'api',
      p_platform_user_id: 'intruder',
    });
    expect(data).toBeNull();
    expect(error?.code).toBe('42501');
  });

  it('surfaces a refused call as a StoreError without the arguments', async () => {
    const store = new TaskStore(
      createSupabaseRpc(postgrest.url, postgrest.keyFor('authenticated')),
    );
    const error = await store.ensureUser('api', 'secret-looking-value').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StoreError', code: 'store_unavailable' });
    expect(String((error as Error).message)).not.toContain('secret-looking-value');
  });
});
