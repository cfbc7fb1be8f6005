// The test database: a real Postgres with the real migrations, started once per run by the
// global setup. Suites share it, so each test makes its own users (tests/helpers/users.ts).
import postgres from 'postgres';
import { currentTestPorts } from './ports.ts';

const { postgres: port } = currentTestPorts();
export const TEST_DATABASE_URL = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;

/** A postgres.js client for the test database; close it with `sql.end()`. */
export function testSql(): postgres.Sql {
  return postgres(TEST_DATABASE_URL, { max: 10, onnotice: () => {} });
}
