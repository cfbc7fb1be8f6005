/**
 * Fetches a user-supplied image URL without letting the user aim our servers at private
 * networks (SSRF): https only, public addresses only, every redirect hop re-checked, bytes
 * capped, whole download under one deadline.
 */

export type SafeFetchErrorCode =
  | 'invalid_url'
  | 'insecure_url'
  | 'blocked_address'
  | 'too_many_redirects'
  | 'too_large'
  | 'fetch_failed'
  | 'timeout';

export interface SafeFetchFailure {
  ok: false;
  code: SafeFetchErrorCode;
  message: string;
  /** The HTTP status when the server answered with a non-2xx. */
  status?: number;
}

export type UrlCheckResult = { ok: true; url: URL } | SafeFetchFailure;

export type SafeFetchResult =
  | {
      ok: true;
      bytes: Uint8Array;
      /** From the response header: informational only, the bytes decide the real type. */
      contentType: string | null;
      /** The URL the bytes came from, after redirects. */
      url: string;
    }
  | SafeFetchFailure;

export interface SafeFetchOptions {
  fetch?: typeof fetch;
  /** Resolves a hostname to IP addresses; every address must be public. */
  resolveHost?: (hostname: string) => Promise<string[]>;
  maxBytes: number;
  /** Deadline for the whole download: lookups, redirects and body. */
  timeoutMs?: number;
  maxRedirects?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Downloads an image from a public https URL, refusing private targets and oversize bodies. */
export async function fetchPublicImage(
  url: string,
  options: SafeFetchOptions,
): Promise<SafeFetchResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    return await followRedirects(url, options, controller.signal);
  } catch {
    if (controller.signal.aborted) {
      return failure('timeout', 'Downloading the image took too long.');
    }
    // The underlying error may quote the URL, which can carry tokens: keep it out.
    return failure('fetch_failed', 'Could not download the image (network error).');
  } finally {
    clearTimeout(timer);
  }
}

async function followRedirects(
  startUrl: string,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<SafeFetchResult> {
  const fetchImpl = options.fetch ?? fetch;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = startUrl;

  for (let hop = 0; ; hop += 1) {
    const checked = await checkHop(current, options.resolveHost, signal);
    if (!checked.ok) return checked;

    const response = await abortable(
      fetchImpl(checked.url.href, {
        redirect: 'manual',
        signal,
        headers: { accept: 'image/*' },
      }),
      signal,
    );

    const location = response.headers.get('location');
    if (REDIRECT_STATUSES.has(response.status) && location !== null) {
      discard(response);
      if (hop >= maxRedirects) {
        return failure(
          'too_many_redirects',
          `The image address redirects more than ${maxRedirects} times.`,
        );
      }
      const next = resolveLocation(location, checked.url);
      if (next === null)
        return failure('invalid_url', 'The image address redirects to an invalid address.');
      current = next;
      continue;
    }

    return readImageResponse(response, checked.url, options.maxBytes, signal);
  }
}

async function checkHop(
  url: string,
  resolveHost: SafeFetchOptions['resolveHost'],
  signal: AbortSignal,
): Promise<UrlCheckResult> {
  const checked = checkPublicHttpsUrl(url);
  if (!checked.ok || resolveHost === undefined) return checked;

  const hostname = checked.url.hostname;
  if (isIpLiteral(hostname)) return checked;

  // LIMITATION: fetch resolves the name again on its own, so a DNS-rebinding host (TTL 0,
  // public answer to us, private answer to fetch) can win the race; pinning the checked address
  // needs a connect hook that neither Workers' fetch nor Web fetch offers. On Workers, fetch
  // cannot reach private networks anyway; the Node consumer is the one exposed.
  let addresses: string[];
  try {
    addresses = await abortable(resolveHost(trimTrailingDots(hostname)), signal);
  } catch (error) {
    if (signal.aborted) throw error;
    return failure('fetch_failed', 'Could not look up the image host.');
  }
  if (addresses.length === 0) {
    return failure('fetch_failed', 'The image host has no address.');
  }
  if (addresses.some(isPrivateAddress)) {
    return failure('blocked_address', 'The image address points to a private or local network.');
  }
  return checked;
}

async function readImageResponse(
  response: Response,
  url: URL,
  maxBytes: number,
  signal: AbortSignal,
): Promise<SafeFetchResult> {
  if (!response.ok) {
    discard(response);
    return {
      ok: false,
      code: 'fetch_failed',
      message: `The image server answered with HTTP ${response.status}.`,
      status: response.status,
    };
  }

  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(response);
    return tooLarge(maxBytes);
  }

  const bytes = await readCapped(response, maxBytes, signal);
  if (bytes === null) return tooLarge(maxBytes);
  return { ok: true, bytes, contentType: response.headers.get('content-type'), url: url.href };
}

/** Reads the body, cancelling it as soon as it passes the cap; null means too large. */
async function readCapped(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array | null> {
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await abortable(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  }
  return concatChunks(chunks, total);
}

/** Checks a URL against the https and public-host rules without fetching it. */
export function checkPublicHttpsUrl(url: string): UrlCheckResult {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return failure('invalid_url', 'This is not a valid web address.');
  }
  if (parsed.protocol !== 'https:') {
    return failure('insecure_url', 'The address must start with https://.');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return failure('invalid_url', 'The address must not contain a user name or password.');
  }
  if (isBlockedHost(parsed.hostname)) {
    return failure('blocked_address', 'The address points to a private or local network.');
  }
  return { ok: true, url: parsed };
}

const BLOCKED_NAME_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.localdomain'];

function isBlockedHost(hostname: string): boolean {
  if (isIpLiteral(hostname)) return isPrivateAddress(hostname);

  const name = trimTrailingDots(hostname.toLowerCase());
  if (name === 'localhost') return true;
  // A single-label name is resolved through the machine's search domains: an intranet name.
  if (!name.includes('.')) return true;
  return BLOCKED_NAME_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/**
 * True unless `ip` is a publicly routable unicast address. Anything that does not parse as
 * an IPv4 or IPv6 address counts as private, so a malformed answer can never slip through.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return isBlockedIpv4(v4);
  const v6 = parseIpv6(ip);
  if (v6 !== null) return isBlockedIpv6(v6);
  return true;
}

// Not publicly routable: this network, private, CGNAT, loopback, link-local (cloud metadata
// lives at 169.254.169.254), IETF assignments, documentation, 6to4 relay, benchmarking,
// multicast, reserved and broadcast.
const BLOCKED_IPV4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

function isBlockedIpv4(address: number): boolean {
  return BLOCKED_IPV4.some(([base, prefix]) => {
    const shift = 32 - prefix;
    return address >>> shift === (parseIpv4(base) ?? 0) >>> shift;
  });
}

function isBlockedIpv6(groups: number[]): boolean {
  const embedded = embeddedIpv4(groups);
  if (embedded !== null) return isBlockedIpv4(embedded);

  const [first = 0, second = 0] = groups;
  // Only 2000::/3 is global unicast; this also covers ::, ::1, fc00::/7, fe80::/10, ff00::/8.
  if ((first & 0xe000) !== 0x2000) return true;
  // 2001::/23 IETF assignments (Teredo among them), 2001:db8::/32 and 3fff::/20 documentation.
  if (first === 0x2001 && second < 0x200) return true;
  if (first === 0x2001 && second === 0xdb8) return true;
  return first === 0x3fff && second < 0x1000;
}

/** The IPv4 address inside an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
function embeddedIpv4(groups: number[]): number | null {
  const g = (index: number): number => groups[index] ?? 0;
  const toV4 = (high: number, low: number): number => (high * 0x10000 + low) >>> 0;
  const zeros = (from: number, to: number): boolean => groups.slice(from, to).every((x) => x === 0);

  if (zeros(0, 5) && g(5) === 0xffff) return toV4(g(6), g(7));
  if (g(0) === 0x64 && g(1) === 0xff9b && zeros(2, 6)) return toV4(g(6), g(7));
  if (g(0) === 0x2002) return toV4(g(1), g(2));
  return null;
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || parseIpv4(hostname) !== null;
}

/** Strict dotted-decimal IPv4 (no octal or hex forms) as an unsigned 32-bit number. */
function parseIpv4(text: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return null;
  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** IPv6 (brackets and zone id allowed) as eight 16-bit groups. */
function parseIpv6(input: string): number[] | null {
  let text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!/^[0-9a-f:.]+$/i.test(text)) return null;

  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseIpv6Groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;

  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function parseIpv6Groups(part: string, mayEndWithIpv4: boolean): number[] | null {
  if (part === '') return [];
  const items = part.split(':');
  const groups: number[] = [];
  for (const [index, item] of items.entries()) {
    if (item.includes('.')) {
      const v4 = mayEndWithIpv4 && index === items.length - 1 ? parseIpv4(item) : null;
      if (v4 === null) return null;
      groups.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
    } else {
      if (!/^[0-9a-f]{1,4}$/i.test(item)) return null;
      groups.push(parseInt(item, 16));
    }
  }
  return groups;
}

function resolveLocation(location: string, base: URL): string | null {
  try {
    return new URL(location, base).href;
  } catch {
    return null;
  }
}

function trimTrailingDots(hostname: string): string {
  return hostname.replace(/\.+$/, '');
}

/** Rejects when the signal aborts, so a stalled promise cannot outlive the deadline. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Releases the connection of a response whose body we will not read. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

function concatChunks(chunks: Uint8Array[], total: number): Uint8Array {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(maxBytes: number): SafeFetchFailure {
  const megabytes = Math.round((maxBytes / (1024 * 1024)) * 10) / 10;
  return failure('too_large', `The image is larger than the ${megabytes} MB limit.`);
}

function failure(code: SafeFetchErrorCode, message: string): SafeFetchFailure {
  return { ok: false, code, message };
}
