/**
 * Fetches a user-supplied image URL without letting the user aim our servers at private
 * networks (SSRF): https only, public addresses only, every redirect hop re-checked, bytes
 * capped, whole download under one deadline.
 */
import { isIpLiteral, isPrivateAddress } from './ip-address.ts';
import { abortable, readCapped } from './read-capped.ts';

export { isPrivateAddress };

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

  const bytes = await readCapped(response.body, maxBytes, signal);
  if (bytes === null) return tooLarge(maxBytes);
  return { ok: true, bytes, contentType: response.headers.get('content-type'), url: url.href };
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

/** Releases the connection of a response whose body we will not read. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

function tooLarge(maxBytes: number): SafeFetchFailure {
  const megabytes = Math.round((maxBytes / (1024 * 1024)) * 10) / 10;
  return failure('too_large', `The image is larger than the ${megabytes} MB limit.`);
}

function failure(code: SafeFetchErrorCode, message: string): SafeFetchFailure {
  return { ok: false, code, message };
}
