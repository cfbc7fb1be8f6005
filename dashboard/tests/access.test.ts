// Cloudflare Access: the JWT on each request is verified against the team's keys (signature,
// audience, issuer, expiry); with Access configured, the password sign-in is off.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyAccessJwt } from '../app/lib/access.server.ts';
import * as jobs from '../app/routes/jobs._index.tsx';
import * as login from '../app/routes/login.tsx';
import { ADMIN_PASSWORD, call, createHarness, type RouteFunction } from './harness.ts';

const TEAM = 'reelbot-test.cloudflareaccess.com';
const AUD = 'aud-tag-of-the-dashboard-app';
let keys: CryptoKeyPair;
let otherKeys: CryptoKeyPair;
let jwks: { keys: JsonWebKey[] };

const encode = (value: object | Uint8Array) =>
  btoa(value instanceof Uint8Array ? String.fromCharCode(...value) : JSON.stringify(value))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

async function token(claims: Record<string, unknown>, signWith = keys, kid = 'key-1') {
  const now = Math.floor(Date.now() / 1000);
  const head = encode({ alg: 'RS256', kid, typ: 'JWT' });
  const body = encode({
    aud: [AUD],
    iss: `https://${TEAM}`,
    email: 'ops@example.com',
    sub: 'user-1',
    iat: now,
    exp: now + 600,
    ...claims,
  });
  const signature = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    signWith.privateKey,
    new TextEncoder().encode(`${head}.${body}`),
  );
  return `${head}.${body}.${encode(new Uint8Array(signature))}`;
}

const keysFetch = (async () => Response.json(jwks)) as unknown as typeof fetch;
const settings = () => ({ teamDomain: TEAM, audience: AUD, fetch: keysFetch });

beforeAll(async () => {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
  keys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  otherKeys = (await crypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', keys.publicKey)) as JsonWebKey;
  jwks = { keys: [{ ...jwk, kid: 'key-1' } as JsonWebKey] };
});
afterEach(() => vi.unstubAllGlobals());

describe('verifyAccessJwt', () => {
  it('answers the email of a valid token', async () => {
    expect(await verifyAccessJwt(await token({}), settings())).toBe('ops@example.com');
  });

  it('refuses another audience or issuer, an expired token, a foreign key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      await token({ aud: ['another-app'] }),
      await token({ iss: 'https://evil.cloudflareaccess.com' }),
      await token({ exp: now - 10 }),
      await token({}, otherKeys),
      await token({}, keys, 'unknown-kid'),
      'not.a.jwt',
    ];
    for (const jwt of bad) expect(await verifyAccessJwt(jwt, settings())).toBeNull();
  });
});

describe('with Access configured', () => {
  const harness = createHarness({ CF_ACCESS_TEAM_DOMAIN: TEAM, CF_ACCESS_AUD: AUD });
  const fn = (value: unknown) => value as RouteFunction;

  it('lets a request with a valid Access JWT in and refuses one without', async () => {
    vi.stubGlobal('fetch', keysFetch);
    const jwt = await token({});
    const page = await call(harness, fn(jobs.loader), '/jobs', {
      headers: { 'cf-access-jwt-assertion': jwt },
    });
    expect(page).not.toBeInstanceOf(Response);
    const refused = (await call(harness, fn(jobs.loader), '/jobs')) as Response;
    expect(refused.status).toBe(302);
  });

  it('turns the password sign-in off', async () => {
    const result = (await call(harness, fn(login.action), '/login', {
      body: { password: ADMIN_PASSWORD },
    })) as Response;
    expect(result.status).toBe(400);
    expect(result.headers.get('set-cookie')).toBeNull();
  });
});
