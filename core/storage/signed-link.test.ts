import { describe, expect, it } from 'vitest';
import { objectKeyFromLinkPath, signObjectLink, verifyObjectLink } from './signed-link.ts';

const SECRET = 'test-signing-secret-at-least-32-characters';
const NOW = new Date('2026-05-01T12:00:00Z');
const IN_ONE_HOUR = new Date(NOW.getTime() + 3_600_000);

/** Signs a link and reads back what the Worker route would see. */
async function signAndParse(key: string, expiresAt = IN_ONE_HOUR, baseUrl = 'https://r.example') {
  const link = new URL(await signObjectLink({ baseUrl, key, expiresAt, secret: SECRET }));
  return {
    link,
    key: objectKeyFromLinkPath(link.pathname) ?? '',
    exp: link.searchParams.get('exp') ?? '',
    sig: link.searchParams.get('sig') ?? '',
  };
}

describe('signObjectLink', () => {
  it('builds a /media link with the expiry in unix seconds and a base64url signature', async () => {
    const { link, exp, sig } = await signAndParse('tasks/abc/output.mp4');

    expect(link.origin + link.pathname).toBe('https://r.example/media/tasks/abc/output.mp4');
    expect(exp).toBe(String(IN_ONE_HOUR.getTime() / 1000));
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps the secret out of the link', async () => {
    const { link } = await signAndParse('tasks/abc/output.mp4');

    expect(link.href).not.toContain(SECRET);
  });

  it('encodes awkward keys so they survive the round trip', async () => {
    const key = 'tasks/a b/ünïcode?#&=%2F.mp4';

    const parsed = await signAndParse(key, IN_ONE_HOUR, 'https://r.example/');

    expect(parsed.link.pathname.startsWith('/media/tasks/a%20b/')).toBe(true);
    expect(parsed.key).toBe(key);
    await expect(verifyObjectLink({ ...parsed, secret: SECRET, now: NOW })).resolves.toBe(true);
  });

  it('refuses a short secret', async () => {
    await expect(
      signObjectLink({ baseUrl: 'https://r.example', key: 'k', expiresAt: NOW, secret: 'short' }),
    ).rejects.toThrow(/at least 32/);
  });
});

describe('verifyObjectLink', () => {
  it('accepts a fresh link', async () => {
    const parsed = await signAndParse('tasks/abc/output.mp4');

    await expect(verifyObjectLink({ ...parsed, secret: SECRET, now: NOW })).resolves.toBe(true);
  });

  it('refuses a link at and after its expiry', async () => {
    const parsed = await signAndParse('tasks/abc/output.mp4');

    await expect(
      verifyObjectLink({ ...parsed, secret: SECRET, now: new Date(IN_ONE_HOUR.getTime() - 1) }),
    ).resolves.toBe(true);
    await expect(verifyObjectLink({ ...parsed, secret: SECRET, now: IN_ONE_HOUR })).resolves.toBe(
      false,
    );
  });

  it('refuses a link moved to another key', async () => {
    const parsed = await signAndParse('tasks/abc/output.mp4');

    const moved = { ...parsed, key: 'tasks/other/output.mp4' };

    await expect(verifyObjectLink({ ...moved, secret: SECRET, now: NOW })).resolves.toBe(false);
  });

  it('refuses a link whose expiry was pushed later', async () => {
    const parsed = await signAndParse('tasks/abc/output.mp4');

    const extended = { ...parsed, exp: String(Number(parsed.exp) + 86_400) };

    await expect(verifyObjectLink({ ...extended, secret: SECRET, now: NOW })).resolves.toBe(false);
  });

  it('refuses a link signed with another secret', async () => {
    const parsed = await signAndParse('tasks/abc/output.mp4');

    const other = 'another-signing-secret-of-32-characters!';

    await expect(verifyObjectLink({ ...parsed, secret: other, now: NOW })).resolves.toBe(false);
  });

  it.each([
    ['an empty signature', ''],
    ['a signature that is not base64url', 'not base64!'],
    ['a truncated signature', 'AAAA'],
  ])('refuses %s', async (_label, sig) => {
    const parsed = await signAndParse('tasks/abc/output.mp4');

    await expect(verifyObjectLink({ ...parsed, sig, secret: SECRET, now: NOW })).resolves.toBe(
      false,
    );
  });

  it.each(['', '-1', '1e12', ' 1800000000', '1800000000.5'])(
    'refuses a malformed expiry %j',
    async (exp) => {
      const parsed = await signAndParse('tasks/abc/output.mp4');

      await expect(verifyObjectLink({ ...parsed, exp, secret: SECRET, now: NOW })).resolves.toBe(
        false,
      );
    },
  );

  it('accepts the expiry as a number', async () => {
    const parsed = await signAndParse('k');

    const exp = Number(parsed.exp);

    await expect(verifyObjectLink({ ...parsed, exp, secret: SECRET, now: NOW })).resolves.toBe(
      true,
    );
  });
});

describe('objectKeyFromLinkPath', () => {
  it.each([
    ['/media/tasks/abc/in.png', 'tasks/abc/in.png'],
    ['/media/a%2Fb', 'a/b'],
    ['/media/', null],
    ['/other/tasks/abc', null],
    ['/media/%E0%A4%A', null],
  ])('%s → %j', (path, key) => {
    expect(objectKeyFromLinkPath(path)).toBe(key);
  });
});
