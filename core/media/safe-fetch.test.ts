import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeImage } from '../../tests/helpers/media.ts';
import { checkPublicHttpsUrl, fetchPublicImage, isPrivateAddress } from './safe-fetch.ts';

// The guard sees https URLs on public names; the injected fetch carries the requests for those
// names to a real local HTTP server, so every redirect, cap and stall happens over real HTTP.
const DNS: Record<string, string[]> = {
  'images.example.com': ['93.184.216.34'],
  'v6.example.net': ['2606:2800:220:1:248:1893:25c8:1946'],
  'nat64.example.org': ['64:ff9b::5db8:d822'],
  'intranet.example.com': ['10.1.2.3'],
  'rebind.example.com': ['93.184.216.34', '169.254.169.254'],
  'mapped.example.com': ['::ffff:192.168.0.1'],
  'nat64-private.example.org': ['64:ff9b::a00:1'],
  'ula.example.net': ['fd12:3456::1'],
};
const SERVED_HOSTS = new Set(['images.example.com', 'v6.example.net', 'nat64.example.org']);
const HOST = 'https://images.example.com';
const MAX_BYTES = 64 * 1024;

let server: Server;
let port = 0;
let png: Uint8Array;
const fetched: string[] = [];
const resolved: string[] = [];
const closedResponses = new Set<string>();
const bytesWritten = new Map<string, number>();

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  res.on('close', () => closedResponses.add(path));

  if (path === '/image.png') {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
    res.end(png);
  } else if (path === '/redirect') {
    res.writeHead(Number(url.searchParams.get('status') ?? 302), {
      location: url.searchParams.get('to') ?? '/',
    });
    res.end();
  } else if (path.startsWith('/chain/')) {
    const left = Number(path.slice('/chain/'.length));
    if (left === 0) {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(png);
    } else {
      res.writeHead(302, { location: `${HOST}/chain/${left - 1}` });
      res.end();
    }
  } else if (path === '/declared-huge') {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': 50_000_000 });
    res.write(new Uint8Array(1024));
  } else if (path === '/endless') {
    streamForever(path, res);
  } else if (path === '/small-chunked') {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.write(png.subarray(0, 100));
    res.end(png.subarray(100));
  } else if (path === '/stall-headers') {
    // Never answers.
  } else if (path === '/stall-body') {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.write(png.subarray(0, 10));
  } else {
    res.writeHead(Number(/^\/status\/(\d+)$/.exec(path)?.[1] ?? 404));
    res.end('nope');
  }
}

function streamForever(path: string, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'image/png' });
  const chunk = new Uint8Array(16 * 1024);
  const timer = setInterval(() => {
    if (res.destroyed) return;
    res.write(chunk);
    bytesWritten.set(path, (bytesWritten.get(path) ?? 0) + chunk.length);
  }, 2);
  res.on('close', () => clearInterval(timer));
}

const testFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  fetched.push(url.href);
  if (url.protocol !== 'https:' || !SERVED_HOSTS.has(url.hostname)) {
    throw new TypeError(`test fetch refuses ${url.host}: the guard should have stopped it`);
  }
  return fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, init);
};

async function resolveHost(hostname: string): Promise<string[]> {
  resolved.push(hostname);
  return DNS[hostname] ?? [];
}

function get(path: string, overrides: { timeoutMs?: number; maxRedirects?: number } = {}) {
  return fetchPublicImage(`${HOST}${path}`, {
    fetch: testFetch,
    resolveHost,
    maxBytes: MAX_BYTES,
    timeoutMs: 5_000,
    ...overrides,
  });
}

function redirectTo(target: string, status = 302): ReturnType<typeof get> {
  const query = new URLSearchParams({ to: target, status: String(status) });
  return get(`/redirect?${query.toString()}`);
}

beforeAll(async () => {
  png = await makeImage('png', 64, 48);
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  fetched.length = 0;
  resolved.length = 0;
  closedResponses.clear();
  bytesWritten.clear();
});

describe('fetchPublicImage downloads from public https hosts', () => {
  it('returns the bytes and the declared content type', async () => {
    const result = await get('/image.png');

    expect(result).toEqual({
      ok: true,
      bytes: png,
      contentType: 'image/png',
      url: `${HOST}/image.png`,
    });
  });

  it('reads a chunked body without Content-Length', async () => {
    const result = await get('/small-chunked');

    expect(result.ok && result.bytes).toEqual(png);
  });

  it.each(['v6.example.net', 'nat64.example.org'])('accepts %s, public over IPv6', async (host) => {
    const result = await fetchPublicImage(`https://${host}/image.png`, {
      fetch: testFetch,
      resolveHost,
      maxBytes: MAX_BYTES,
    });

    expect(result.ok).toBe(true);
  });

  it('follows a relative redirect on the same host, re-checking it', async () => {
    const result = await redirectTo('/image.png', 301);

    expect(result).toMatchObject({ ok: true, url: `${HOST}/image.png` });
    expect(resolved).toEqual(['images.example.com', 'images.example.com']);
  });

  it.each([303, 307, 308])('follows a %i redirect', async (status) => {
    const result = await redirectTo(`${HOST}/image.png`, status);

    expect(result.ok).toBe(true);
  });
});

describe('fetchPublicImage refuses redirects to private targets', () => {
  it.each([
    ['loopback', 'https://127.0.0.1/x'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/'],
    ['decimal loopback', 'https://2130706433/'],
    ['hex loopback', 'https://0x7f000001/'],
    ['octal loopback', 'https://0177.0.0.1/'],
    ['short loopback', 'https://127.1/'],
    ['private 10/8', 'https://10.0.0.8/'],
    ['private 172.16/12', 'https://172.31.255.1/'],
    ['private 192.168/16', 'https://192.168.1.1/'],
    ['CGNAT', 'https://100.64.1.1/'],
    ['this network', 'https://0.0.0.0/'],
    ['multicast', 'https://224.0.0.1/'],
    ['broadcast', 'https://255.255.255.255/'],
    ['IPv6 loopback', 'https://[::1]/'],
    ['IPv6 unspecified', 'https://[::]/'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/'],
    ['NAT64 of metadata', 'https://[64:ff9b::a9fe:a9fe]/'],
    ['unique local', 'https://[fd00::1]/'],
    ['link-local', 'https://[fe80::1]/'],
    ['localhost', 'https://localhost/'],
    ['localhost with a dot', 'https://localhost./'],
    ['*.localhost', 'https://api.localhost/'],
    ['*.local', 'https://printer.local/'],
    ['*.internal', 'https://metadata.google.internal/computeMetadata/v1/'],
    ['*.home.arpa', 'https://nas.home.arpa/'],
    ['a single-label name', 'https://intranet/'],
    ['a name resolving to 10/8', 'https://intranet.example.com/'],
    ['a name with one private answer among public ones', 'https://rebind.example.com/'],
    ['a name resolving to mapped 192.168', 'https://mapped.example.com/'],
    ['a name resolving to NAT64 of 10/8', 'https://nat64-private.example.org/'],
    ['a name resolving to a unique local address', 'https://ula.example.net/'],
  ])('blocks %s (%s)', async (_label, target) => {
    const result = await redirectTo(target);

    expect(result).toMatchObject({ ok: false, code: 'blocked_address' });
    expect(fetched).toHaveLength(1);
  });

  it('refuses a redirect to plain http', async () => {
    const result = await redirectTo('http://images.example.com/image.png');

    expect(result).toMatchObject({ ok: false, code: 'insecure_url' });
    expect(fetched).toHaveLength(1);
  });

  it('refuses a redirect to another scheme', async () => {
    const result = await redirectTo('file:///etc/passwd');

    expect(result).toMatchObject({ ok: false, code: 'insecure_url' });
  });

  it('stops after maxRedirects hops', async () => {
    expect((await get('/chain/3')).ok).toBe(true);
    fetched.length = 0;

    const result = await get('/chain/4');

    expect(result).toMatchObject({ ok: false, code: 'too_many_redirects' });
    expect(fetched).toHaveLength(4);
  });

  it('honours a custom maxRedirects', async () => {
    const result = await get('/chain/1', { maxRedirects: 0 });

    expect(result).toMatchObject({ ok: false, code: 'too_many_redirects' });
  });
});

describe('fetchPublicImage caps bytes', () => {
  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    const result = await get('/declared-huge');

    expect(result).toMatchObject({ ok: false, code: 'too_large' });
    await vi.waitFor(() => expect(closedResponses.has('/declared-huge')).toBe(true));
  });

  it('cancels a streamed body once it passes the cap', async () => {
    const result = await get('/endless');

    expect(result).toMatchObject({ ok: false, code: 'too_large' });
    await vi.waitFor(() => expect(closedResponses.has('/endless')).toBe(true));
    const writtenAtClose = bytesWritten.get('/endless') ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bytesWritten.get('/endless') ?? 0).toBe(writtenAtClose);
  });

  it('accepts a body of exactly the cap', async () => {
    const result = await fetchPublicImage(`${HOST}/image.png`, {
      fetch: testFetch,
      resolveHost,
      maxBytes: png.length,
    });

    expect(result.ok).toBe(true);
  });

  it('refuses a body one byte over the cap', async () => {
    const result = await fetchPublicImage(`${HOST}/small-chunked`, {
      fetch: testFetch,
      resolveHost,
      maxBytes: png.length - 1,
    });

    expect(result).toMatchObject({ ok: false, code: 'too_large' });
  });
});

describe('fetchPublicImage fails as values', () => {
  it('times out when the server never answers', async () => {
    const started = Date.now();

    const result = await get('/stall-headers', { timeoutMs: 300 });

    expect(result).toMatchObject({ ok: false, code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out when the body stalls, and closes the connection', async () => {
    const result = await get('/stall-body', { timeoutMs: 300 });

    expect(result).toMatchObject({ ok: false, code: 'timeout' });
    await vi.waitFor(() => expect(closedResponses.has('/stall-body')).toBe(true));
  });

  it('reports a non-2xx status', async () => {
    const result = await get('/status/503');

    expect(result).toMatchObject({ ok: false, code: 'fetch_failed', status: 503 });
  });

  it('reports a network error without quoting the URL', async () => {
    const result = await fetchPublicImage('https://images.example.com/a?token=s3cr3t', {
      fetch: () => Promise.reject(new TypeError('connect ECONNREFUSED /a?token=s3cr3t')),
      maxBytes: MAX_BYTES,
    });

    expect(result).toMatchObject({ ok: false, code: 'fetch_failed' });
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  });

  it('reports a host with no address', async () => {
    const result = await fetchPublicImage('https://nowhere.example.com/', {
      fetch: testFetch,
      resolveHost,
      maxBytes: MAX_BYTES,
    });

    expect(result).toMatchObject({ ok: false, code: 'fetch_failed' });
    expect(fetched).toEqual([]);
  });

  it('reports a failed lookup', async () => {
    const result = await fetchPublicImage(`${HOST}/image.png`, {
      fetch: testFetch,
      resolveHost: () => Promise.reject(new Error('SERVFAIL')),
      maxBytes: MAX_BYTES,
    });

    expect(result).toMatchObject({ ok: false, code: 'fetch_failed' });
  });

  it('reports an invalid URL', async () => {
    const result = await fetchPublicImage('not a url', { fetch: testFetch, maxBytes: MAX_BYTES });

    expect(result).toMatchObject({ ok: false, code: 'invalid_url' });
  });
});

describe('checkPublicHttpsUrl', () => {
  it.each([
    ['https://images.example.com/a.png', true],
    ['https://93.184.216.34/a.png', true],
    ['https://[2606:2800:220:1:248:1893:25c8:1946]/', true],
    ['https://hooks.example.com:8443/cb', true],
    ['http://images.example.com/a.png', 'insecure_url'],
    ['ftp://images.example.com/a.png', 'insecure_url'],
    ['https://user:pass@images.example.com/', 'invalid_url'],
    ['//images.example.com/', 'invalid_url'],
    ['https://017700000001/', 'blocked_address'],
    ['https://0x7f.0.0.1/', 'blocked_address'],
    ['https://169.254.169.254./', 'blocked_address'],
    ['https://[::ffff:a9fe:a9fe]/', 'blocked_address'],
    ['https://LOCALHOST/', 'blocked_address'],
    ['https://db.internal./', 'blocked_address'],
  ] as const)('%s → %s', (url, expected) => {
    const result = checkPublicHttpsUrl(url);

    expect(result.ok ? true : result.code).toBe(expected);
  });
});

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.251',
    '240.0.0.1',
    '255.255.255.255',
    '192.0.2.1',
    '198.18.0.1',
    '::1',
    '::',
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    '64:ff9b::127.0.0.1',
    '2002:c0a8:0101::1',
    'fc00::1',
    'fdff:ffff::1',
    'fe80::1%eth0',
    'febf::1',
    'ff02::1',
    '2001:db8::1',
    '2001::1',
    '',
    'not-an-ip',
    '010.0.0.1',
    '1.2.3.256',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
  ])('%s is private or invalid', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:93.184.216.34',
    '64:ff9b::808:808',
    '2002:5db8:d822::1',
  ])('%s is public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });
});
