import { isIP } from 'node:net';

/**
 * Which addresses a media URL may not point at unless the operator allows it: a client that could name
 * them would read the proxy host's own services (admin ports, cloud metadata at 169.254.169.254) or its
 * private network through the upstream's answer.
 */

type Range = [base: number, bits: number];

const V4_BLOCKED: Range[] = [
  [v4(0, 0, 0, 0), 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  [v4(10, 0, 0, 0), 8],
  [v4(100, 64, 0, 0), 10], // CGNAT: provider-internal
  [v4(127, 0, 0, 0), 8],
  [v4(169, 254, 0, 0), 16], // link-local, cloud metadata
  [v4(172, 16, 0, 0), 12],
  [v4(192, 168, 0, 0), 16],
  [v4(224, 0, 0, 0), 4], // multicast
  [v4(240, 0, 0, 0), 4], // reserved and broadcast: never a public server
];

function v4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function v4Blocked(n: number): boolean {
  return V4_BLOCKED.some(([base, bits]) => (n >>> (32 - bits)) === (base >>> (32 - bits)));
}

function parseV4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return v4(o[0]!, o[1]!, o[2]!, o[3]!);
}

/** Eight 16-bit groups, a trailing dotted quad included; undefined when not IPv6. */
function parseV6(s: string): number[] | undefined {
  let text = s.replace(/%.*$/, '').toLowerCase();
  const quad = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (quad) {
    const n = parseV4(quad[1]!);
    if (n === undefined) return undefined;
    text = `${text.slice(0, quad.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16));
}

function v6Blocked(g: number[]): boolean {
  const embedded = (): number => ((g[6]! << 16) | g[7]!) >>> 0;
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return true; // ::
  if (zeros(0, 7) && g[7] === 1) return true; // ::1
  // IPv4-mapped (::ffff:a.b.c.d) and the old IPv4-compatible form (::a.b.c.d) reach the IPv4 address.
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return v4Blocked(embedded());
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) are routed to the IPv4 address they carry.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4Blocked(embedded());
  if (g[0] === 0x2002) return v4Blocked(((g[1]! << 16) | g[2]!) >>> 0);
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((first & 0xffc0) === 0xfec0) return true; // fec0::/10 old site-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/** True for a loopback, private, link-local, CGNAT, unspecified or multicast address (either family). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare.replace(/%.*$/, ''));
  if (family === 4) return v4Blocked(parseV4(bare)!);
  if (family === 6) {
    const groups = parseV6(bare);
    // An IPv6 form this parser does not follow is refused rather than guessed at.
    return groups ? v6Blocked(groups) : true;
  }
  return false;
}

/** A URL host as the resolver wants it: IPv6 literals lose their brackets. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
