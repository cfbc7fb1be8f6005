// The session cookie: signed with a key derived from SIGNING_SECRET and the admin password, so
// it expires, cannot be edited, and dies when either secret changes.
import { describe, expect, it } from 'vitest';
import { signSession, verifySession } from '../app/lib/session.server.ts';

const secrets = { signingSecret: 'session-test-signing-secret-32-characters', password: 'pw-1' };

describe('the session cookie', () => {
  it('round-trips until it expires', async () => {
    const now = Date.now();
    const value = await signSession({ identity: 'admin', expiresAt: now + 60_000 }, secrets);
    expect(await verifySession(value, secrets, now)).toEqual({
      identity: 'admin',
      expiresAt: now + 60_000,
    });
    expect(await verifySession(value, secrets, now + 60_001)).toBeNull();
  });

  it('is refused after the password or the signing secret changes', async () => {
    const value = await signSession({ identity: 'admin', expiresAt: Date.now() + 60_000 }, secrets);
    expect(await verifySession(value, { ...secrets, password: 'pw-2' })).toBeNull();
    const otherSecret = { ...secrets, signingSecret: 'another-signing-secret-of-32-characters' };
    expect(await verifySession(value, otherSecret)).toBeNull();
  });

  it('is refused when its payload is edited', async () => {
    const value = await signSession({ identity: 'admin', expiresAt: Date.now() + 60_000 }, secrets);
    const [, signature] = value.split('.');
    const edited = btoa(JSON.stringify({ identity: 'root', expiresAt: Date.now() + 9e9 }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    expect(await verifySession(`${edited}.${signature}`, secrets)).toBeNull();
  });
});
