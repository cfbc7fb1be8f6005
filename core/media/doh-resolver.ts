/**
 * Hostname lookup over DNS-over-HTTPS (the JSON API), because Workers have no DNS API and the
 * SSRF guard must see every address a name points to before fetching it.
 */
import { z } from 'zod';

export interface DohResolverOptions {
  fetch?: typeof fetch;
  /** A DoH endpoint speaking the JSON API (`accept: application/dns-json`). */
  endpoint?: string;
}

/** Thrown when the DoH server cannot answer; the SSRF guard turns it into `fetch_failed`. */
export class DohLookupError extends Error {
  override name = 'DohLookupError';
  readonly code = 'doh_lookup_failed';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const DEFAULT_ENDPOINT = 'https://cloudflare-dns.com/dns-query';

const RECORD_TYPES = { A: 1, AAAA: 28 } as const;

// RFC 8427 style answer, as served by Cloudflare and Google; extra fields are ignored.
const dohAnswerSchema = z.object({
  Status: z.number().int(),
  Answer: z
    .array(z.object({ name: z.string(), type: z.number().int(), data: z.string() }))
    .optional(),
});

const DNS_NOERROR = 0;
const DNS_NXDOMAIN = 3;

/** Returns a resolveHost that asks a DoH server for A and AAAA records. */
export function createDohResolver(
  options: DohResolverOptions = {},
): (hostname: string) => Promise<string[]> {
  const fetchImpl = options.fetch ?? fetch;
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;

  return async (hostname) => {
    const [v4, v6] = await Promise.all([
      queryRecords(fetchImpl, endpoint, hostname, 'A'),
      queryRecords(fetchImpl, endpoint, hostname, 'AAAA'),
    ]);
    return [...v4, ...v6];
  };
}

async function queryRecords(
  fetchImpl: typeof fetch,
  endpoint: string,
  hostname: string,
  type: keyof typeof RECORD_TYPES,
): Promise<string[]> {
  const url = new URL(endpoint);
  url.searchParams.set('name', hostname);
  url.searchParams.set('type', type);

  const response = await fetchImpl(url.href, { headers: { accept: 'application/dns-json' } });
  if (!response.ok) {
    response.body?.cancel().catch(() => undefined);
    throw new DohLookupError(`DoH server answered HTTP ${response.status} for a ${type} query`);
  }

  const parsed = dohAnswerSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    throw new DohLookupError(`DoH server sent a malformed ${type} answer`, {
      cause: parsed.error,
    });
  }

  const { Status, Answer = [] } = parsed.data;
  if (Status === DNS_NXDOMAIN) return [];
  if (Status !== DNS_NOERROR) {
    throw new DohLookupError(`DoH ${type} query failed with DNS status ${Status}`);
  }
  // CNAME links in the chain come back too; only the final address records matter.
  return Answer.filter((record) => record.type === RECORD_TYPES[type]).map((r) => r.data);
}
