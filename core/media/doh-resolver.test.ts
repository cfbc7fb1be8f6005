import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDohResolver, DohLookupError } from './doh-resolver.ts';
import { fetchPublicImage } from './safe-fetch.ts';

// A DoH server speaking the JSON API (as cloudflare-dns.com does), with canned zones.
interface Answer {
  name: string;
  type: number;
  TTL: number;
  data: string;
}
const ZONES: Record<string, { A?: Answer[]; AAAA?: Answer[]; status?: number }> = {
  'images.example.com': {
    A: [
      { name: 'images.example.com', type: 5, TTL: 60, data: 'cdn.example.net.' },
      { name: 'cdn.example.net', type: 1, TTL: 60, data: '93.184.216.34' },
      { name: 'cdn.example.net', type: 1, TTL: 60, data: '93.184.216.35' },
    ],
    AAAA: [{ name: 'images.example.com', type: 28, TTL: 60, data: '2606:2800:220:1::1' }],
  },
  'sneaky.example.com': {
    A: [{ name: 'sneaky.example.com', type: 1, TTL: 0, data: '127.0.0.1' }],
  },
  'broken.example.com': { status: 2 },
};

let server: Server;
let endpoint = '';
const requests: { query: URLSearchParams; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ query: url.searchParams, headers: req.headers });
    const name = url.searchParams.get('name') ?? '';
    const type = url.searchParams.get('type') === 'AAAA' ? 'AAAA' : 'A';

    if (name === 'http-error.example.com') {
      res.writeHead(500).end('oops');
      return;
    }
    if (name === 'malformed.example.com') {
      res.writeHead(200, { 'content-type': 'application/dns-json' });
      res.end(JSON.stringify({ Status: 0, Answer: [{ name, type: 1, data: 127 }] }));
      return;
    }
    const zone = ZONES[name];
    const body = {
      Status: zone === undefined ? 3 : (zone.status ?? 0),
      Question: [{ name, type: type === 'A' ? 1 : 28 }],
      Answer: zone?.[type],
    };
    res.writeHead(200, { 'content-type': 'application/dns-json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns-query`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
});

describe('createDohResolver', () => {
  it('returns the A and AAAA addresses, skipping CNAME links', async () => {
    const resolve = createDohResolver({ endpoint });

    const addresses = await resolve('images.example.com');

    expect(addresses.sort()).toEqual(['2606:2800:220:1::1', '93.184.216.34', '93.184.216.35']);
  });

  it('asks for both record types with the dns-json accept header', async () => {
    await createDohResolver({ endpoint })('images.example.com');

    expect(requests.map((r) => r.query.get('type')).sort()).toEqual(['A', 'AAAA']);
    for (const request of requests) {
      expect(request.query.get('name')).toBe('images.example.com');
      expect(request.headers.accept).toBe('application/dns-json');
    }
  });

  it('returns no addresses for a name that does not exist', async () => {
    await expect(createDohResolver({ endpoint })('missing.example.com')).resolves.toEqual([]);
  });

  it('throws on a DNS failure status', async () => {
    await expect(createDohResolver({ endpoint })('broken.example.com')).rejects.toThrow(
      DohLookupError,
    );
  });

  it('throws on an HTTP error from the DoH server', async () => {
    await expect(createDohResolver({ endpoint })('http-error.example.com')).rejects.toThrow(
      /HTTP 500/,
    );
  });

  it('throws on an answer that does not match the schema', async () => {
    await expect(createDohResolver({ endpoint })('malformed.example.com')).rejects.toThrow(
      /malformed/,
    );
  });

  it('uses cloudflare-dns.com by default', async () => {
    const asked: string[] = [];
    const resolve = createDohResolver({
      fetch: async (input) => {
        asked.push(input instanceof Request ? input.url : input.toString());
        return Response.json({ Status: 0, Answer: [] });
      },
    });

    await resolve('images.example.com');

    expect(asked.map((url) => new URL(url).origin + new URL(url).pathname)).toEqual([
      'https://cloudflare-dns.com/dns-query',
      'https://cloudflare-dns.com/dns-query',
    ]);
  });
});

describe('createDohResolver guarding fetchPublicImage', () => {
  it('blocks a public-looking name whose DoH answer is loopback, without fetching it', async () => {
    const fetched: string[] = [];

    const result = await fetchPublicImage('https://sneaky.example.com/cat.png', {
      resolveHost: createDohResolver({ endpoint }),
      fetch: async (input) => {
        fetched.push(input.toString());
        return new Response('should not be reached');
      },
      maxBytes: 1024,
    });

    expect(result).toMatchObject({ ok: false, code: 'blocked_address' });
    expect(fetched).toEqual([]);
  });

  it('reports a DoH failure as fetch_failed', async () => {
    const result = await fetchPublicImage('https://broken.example.com/cat.png', {
      resolveHost: createDohResolver({ endpoint }),
      fetch: () => Promise.reject(new Error('unreachable')),
      maxBytes: 1024,
    });

    expect(result).toMatchObject({ ok: false, code: 'fetch_failed' });
  });
});
