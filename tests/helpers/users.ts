// Test users and API keys, created straight in the database. Each test makes its own users, so
// suites sharing the database never see each other's tasks.
import type postgres from 'postgres';
import { sha256Hex } from '../../core/crypto.ts';

export interface TestUser {
  userId: string;
  apiKey: string;
}

export interface TestUserOptions {
  dailyLimit?: number | null;
  monthlyLimit?: number | null;
  concurrentLimit?: number | null;
  banned?: boolean;
}

/** A new API user with its own key; limits default to generous values so tests are not capped. */
export async function createTestUser(
  sql: postgres.Sql,
  options: TestUserOptions = {},
): Promise<TestUser> {
  const name = `test-${crypto.randomUUID()}`;
  const apiKey = `rb_test_${crypto.randomUUID().replaceAll('-', '')}`;
  const [user] = await sql<{ id: string }[]>`
    insert into users (platform, platform_user_id, daily_limit, monthly_limit, concurrent_limit,
                       banned_at)
    values ('api', ${name}, ${options.dailyLimit === undefined ? 1000 : options.dailyLimit},
            ${options.monthlyLimit === undefined ? 10000 : options.monthlyLimit},
            ${options.concurrentLimit === undefined ? 1000 : options.concurrentLimit},
            ${options.banned ? new Date() : null})
    returning id`;
  if (!user) throw new Error('user not created');
  await sql`
    insert into api_keys (user_id, name, key_hash, key_prefix)
    values (${user.id}, 'test', ${await sha256Hex(apiKey)}, ${apiKey.slice(0, 7)})`;
  return { userId: user.id, apiKey };
}
