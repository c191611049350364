import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';

/**
 * What an IP address reaches, for deciding whether the gateway may send a request there on a tenant's behalf.
 * Only `public` is somewhere on the internet; every other kind is the gateway's own host, the hospital's network,
 * the cloud provider's metadata service, or nowhere a receiver can be.
 */
export type AddressKind =
  | 'public'
  | 'unspecified' // 0.0.0.0/8, ::  (a connection to 0.0.0.0 reaches the local host on Linux)
  | 'loopback' // 127.0.0.0/8, ::1
  | 'private' // RFC 1918, unique-local fc00::/7, the deprecated site-local fec0::/10
  | 'link-local' // 169.254.0.0/16 (cloud metadata at 169.254.169.254), fe80::/10
  | 'cgnat' // shared address space 100.64.0.0/10 (RFC 6598): the carrier's or the cloud's internal network
  | 'multicast' // 224.0.0.0/4, ff00::/8
  | 'reserved'; // documentation, benchmarking, protocol assignments, future use, broadcast, non-global IPv6

type Range = readonly [address: string, prefix: number];

const IPV4_RANGES: Readonly<Record<Exclude<AddressKind, 'public'>, readonly Range[]>> = {
  unspecified: [['0.0.0.0', 8]],
  loopback: [['127.0.0.0', 8]],
  private: [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
  ],
  'link-local': [['169.254.0.0', 16]],
  cgnat: [['100.64.0.0', 10]],
  multicast: [['224.0.0.0', 4]],
  reserved: [
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24], // documentation (TEST-NET-1..3)
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['198.18.0.0', 15], // benchmarking
    ['192.88.99.0', 24], // the retired 6to4 relay anycast
    ['240.0.0.0', 4], // future use, and 255.255.255.255
  ],
};

/** IPv6 outside these is classified here; ranges that embed an IPv4 address are classified by that address. */
const IPV6_RANGES: Readonly<Record<Exclude<AddressKind, 'public'>, readonly Range[]>> = {
  unspecified: [['::', 128]],
  loopback: [['::1', 128]],
  private: [
    ['fc00::', 7],
    ['fec0::', 10],
  ],
  'link-local': [['fe80::', 10]],
  cgnat: [],
  multicast: [['ff00::', 8]],
  reserved: [
    ['::', 96], // IPv4-compatible (deprecated): no stack should route these
    ['64:ff9b:1::', 48], // local-use NAT64: translates into the operator's own network
    ['100::', 64], // discard-only
    ['2001::', 32], // Teredo: the IPv4 address inside is obfuscated
    ['2001:2::', 48], // benchmarking
    ['2001:10::', 28], // ORCHID
    ['2001:db8::', 32], // documentation
    ['3fff::', 20], // documentation (RFC 9637)
  ],
};

function blockLists(ranges: typeof IPV4_RANGES, family: 'ipv4' | 'ipv6'): [AddressKind, BlockList][] {
  return Object.entries(ranges).map(([kind, list]) => {
    const blocks = new BlockList();
    for (const [address, prefix] of list) blocks.addSubnet(address, prefix, family);
    return [kind as AddressKind, blocks];
  });
}

const IPV4_KINDS = blockLists(IPV4_RANGES, 'ipv4');
const IPV6_KINDS = blockLists(IPV6_RANGES, 'ipv6');
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted quad folded in). */
function hextets(address: string): number[] {
  let text = address.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const front = part(head);
  const back = part(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

const dotted = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * The IPv4 address a packet to this IPv6 address really goes to, where the IPv6 address is only a wrapper: IPv4-mapped
 * (::ffff:a.b.c.d, what a dual-stack socket uses for IPv4), well-known NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
export function embeddedIPv4(address: string): string | null {
  if (!isIPv6(address)) return null;
  const h = hextets(address);
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) return dotted(h[6]!, h[7]!);
  if (h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0)) return dotted(h[6]!, h[7]!);
  if (h[0] === 0x2002) return dotted(h[1]!, h[2]!);
  return null;
}

/**
 * An address as the gateway compares it: brackets and a zone dropped, and an IPv4-mapped IPv6 address as the
 * IPv4 address it is. Null when `text` is no IP address.
 */
export function canonicalAddress(text: string): string | null {
  const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return null;
  const h = hextets(address);
  const mapped = h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff;
  return mapped ? dotted(h[6]!, h[7]!) : address.toLowerCase();
}

/** What `address` (an IPv4 or IPv6 address, bracketed or not) reaches; throws when it is no IP address. */
export function classifyAddress(text: string): AddressKind {
  const address = canonicalAddress(text);
  if (address === null) throw new TypeError(`not an IP address: ${text}`);
  if (isIP(address) === 4) return IPV4_KINDS.find(([, list]) => list.check(address, 'ipv4'))?.[0] ?? 'public';
  const inner = embeddedIPv4(address);
  if (inner !== null) return classifyAddress(inner);
  const kind = IPV6_KINDS.find(([, list]) => list.check(address, 'ipv6'))?.[0];
  if (kind) return kind;
  return GLOBAL_UNICAST_V6.check(address, 'ipv6') ? 'public' : 'reserved';
}
