// Fixed loopback ports for the test servers, away from the ones `npm start` uses, so a running
// local stack and `npm test` do not collide.
export const TEST_PORTS = {
  postgres: 55432,
  localProvider: 55434,
  probe: 55435,
} as const;
