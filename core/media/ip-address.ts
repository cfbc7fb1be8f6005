/** IP address parsing and the ranges reelbot never fetches from (SSRF guard). */

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

export function isIpLiteral(hostname: string): boolean {
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
