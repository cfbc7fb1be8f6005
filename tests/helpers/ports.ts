// Loopback ports for the test servers. vitest.config.ts picks free ones once per run and puts
// them in the environment, so several test runs (and a running `npm start`) never collide;
// forked test workers and workerd (through its bindings) read the same values.
import { freePort } from '../../scripts/lib/ports.ts';

export interface TestPorts {
  postgres: number;
  localProvider: number;
  probe: number;
  /** The fake Telegram Bot API (tests/fakes/telegram-api.ts). */
  telegramApi: number;
}

const ENV_NAME = 'REELBOT_TEST_PORTS';

/** The ports of this run: chosen on first call in the main process, inherited after. */
export async function testPorts(): Promise<TestPorts> {
  const existing = process.env[ENV_NAME];
  if (existing) return JSON.parse(existing) as TestPorts;
  const ports = {
    postgres: await freePort(),
    localProvider: await freePort(),
    probe: await freePort(),
    telegramApi: await freePort(),
  };
  process.env[ENV_NAME] = JSON.stringify(ports);
  return ports;
}

/** The ports chosen by the config; throws outside a test run. */
export function currentTestPorts(): TestPorts {
  const existing = process.env[ENV_NAME];
  if (!existing) throw new Error(`${ENV_NAME} is not set: run the tests through vitest`);
  return JSON.parse(existing) as TestPorts;
}
