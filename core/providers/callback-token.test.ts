import { describe, expect, it } from 'vitest';
import { signCallbackUrl, verifyCallbackToken } from './callback-token.ts';

const secret = 'callback-token-test-secret-at-least-32-chars';
const taskId = '0b6f3f8e-2f1d-4c53-9a55-1d2b3c4d5e6f';

async function issued(expiresAt = new Date(Date.now() + 60_000)) {
  const url = new URL(
    await signCallbackUrl({
      baseUrl: 'https://reelbot.example.com/',
      provider: 'kling',
      taskId,
      expiresAt,
      secret,
    }),
  );
  return {
    url,
    input: {
      provider: 'kling',
      taskId: url.searchParams.get('task') ?? '',
      exp: url.searchParams.get('exp') ?? '',
      token: url.searchParams.get('token') ?? '',
      secret,
      now: new Date(),
    },
  };
}

describe('callback task tokens', () => {
  it('builds the callback URL of the provider and task, and verifies its own token', async () => {
    const { url, input } = await issued();

    expect(url.origin + url.pathname).toBe('https://reelbot.example.com/providers/kling/callback');
    expect(url.searchParams.get('task')).toBe(taskId);
    expect(url.toString()).not.toContain(secret);
    expect(await verifyCallbackToken(input)).toBe(true);
  });

  it('refuses another task, provider, secret or expiry, and an expired token', async () => {
    const { input } = await issued();
    const expired = (await issued(new Date(Date.now() - 1000))).input;

    const refused = [
      { ...input, taskId: 'a0000000-0000-4000-8000-000000000000' },
      { ...input, provider: 'luma' },
      { ...input, secret: `${secret}-other` },
      { ...input, exp: String(Number(input.exp) + 3600) },
      { ...input, token: `${input.token.slice(0, -2)}AA` },
      { ...input, token: 'not base64url!' },
      expired,
    ];

    for (const candidate of refused) expect(await verifyCallbackToken(candidate)).toBe(false);
  });
});
