import { createPostgresRpc } from '../../core/store/postgres-rpc.ts';
import { TaskStore } from '../../core/store/task-store.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('postgres', async () => {
  const store = new TaskStore(createPostgresRpc(TEST_DATABASE_URL, { max: 10 }));
  return { store, close: () => store.close() };
});
