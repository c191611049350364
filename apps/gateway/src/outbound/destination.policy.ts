import { lookup } from 'node:dns/promises';
import { BlockList, isIPv4 } from 'node:net';
import { canonicalAddress, classifyAddress, type AddressKind } from './ip-address.classifier.js';
import { OutboundError, OutboundErrorCode } from './outbound.errors.js';

export interface DestinationRules {
  /** Addresses and CIDRs that may be reached although they are not public: an operator's own receivers. */
  allowedPrivateCidrs: readonly string[];
  /** Ports allowed besides the scheme's default (80 for http, 443 for https). */
  allowedPorts: readonly number[];
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name has now; rejects when it has none. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

/** A URL that passed every check, and the addresses a request to it may connect to (all of them checked). */
export interface CheckedDestination {
  url: URL;
  addresses: ResolvedAddress[];
}

const DESCRIBED: Record<Exclude<AddressKind, 'public'>, string> = {
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private network address',
  'link-local': 'a link-local address (cloud metadata lives there)',
  cgnat: 'a shared (CGNAT) network address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** Not receivers at all, whatever an operator allows. */
const NEVER: ReadonlySet<AddressKind> = new Set(['unspecified', 'multicast']);

const refuse = (message: string) => new OutboundError(OutboundErrorCode.DESTINATION_FORBIDDEN, message);

/**
 * Where the gateway may send requests whose URL a tenant chose (alert webhooks). Without it a tenant's key could make
 * the gateway call into the hospital's network, the gateway's own host or the cloud metadata service, and read
 * what answers through the delivery state. By default only public addresses on the scheme's default port are
 * reached; an operator allows its own internal receivers by address or CIDR and extra ports by number.
 *
 * A host name is resolved once per request, every address it has is checked, and the request connects to a checked
 * address (never resolving again), so a name that answers a public address to the check and a private one to the
 * connection (DNS rebinding) gains nothing.
 */
export class DestinationPolicy {
  private readonly allowed = new BlockList();
  private readonly ports: ReadonlySet<number>;

  constructor(
    rules: DestinationRules,
    private readonly resolver: HostResolver = systemResolver,
  ) {
    for (const entry of rules.allowedPrivateCidrs) {
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const family = isIPv4(address) ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(prefix), family);
    }
    this.ports = new Set(rules.allowedPorts);
  }

  /**
   * The checks that need no DNS: an http(s) URL without credentials, on the default port or an allowed one, whose
   * host is no address that is refused and no `localhost` name. Returns the URL as WHATWG parsing normalises it, so
   * `http://2130706433/`, `http://0x7f.1/` and `http://127.1/` are all seen as 127.0.0.1.
   */
  checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refuse('not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(`scheme ${url.protocol} is not allowed`);
    if (url.username || url.password) throw refuse('credentials in the URL are not allowed');
    // The parser drops a scheme's default port, so an empty port is 80 for http and 443 for https.
    if (url.port !== '' && !this.ports.has(Number(url.port))) {
      throw refuse(`port ${url.port} is not allowed (the scheme's default port, or one the operator allows)`);
    }
    const host = url.hostname.replace(/\.$/, '');
    if (host === 'localhost' || host.endsWith('.localhost')) throw refuse(`${host} is the local host`);
    const literal = canonicalAddress(host);
    if (literal !== null) this.checkAddress(literal, host);
    return url;
  }

  /** checkUrl, then resolve the host once and check every address; a request must connect to one of these. */
  async resolve(raw: string): Promise<CheckedDestination> {
    const url = this.checkUrl(raw);
    const literal = canonicalAddress(url.hostname);
    if (literal !== null) return { url, addresses: [{ address: literal, family: isIPv4(literal) ? 4 : 6 }] };
    const addresses = await this.resolver(url.hostname);
    if (addresses.length === 0) throw new Error(`${url.hostname} has no address`);
    for (const { address } of addresses) this.checkAddress(address, url.hostname);
    return { url, addresses };
  }

  /**
   * For a URL being configured: checkUrl, and when the host resolves now (within `timeoutMs`), every address checked.
   * A name that does not resolve yet is let through: DNS may be down for a moment or the receiver not yet
   * published, and every request resolves and checks again anyway.
   */
  async vet(raw: string, timeoutMs: number): Promise<void> {
    const url = this.checkUrl(raw);
    if (canonicalAddress(url.hostname) !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    const addresses = await Promise.race([this.resolver(url.hostname).catch(() => null), late]).finally(() =>
      clearTimeout(timer),
    );
    for (const { address } of addresses ?? []) this.checkAddress(address, url.hostname);
  }

  private checkAddress(text: string, host: string): void {
    const address = canonicalAddress(text);
    if (address === null) throw refuse(`${host} has an address that is not an IP address`);
    const kind = classifyAddress(address);
    if (kind === 'public') return;
    if (!NEVER.has(kind) && this.allowed.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')) return;
    const what = DESCRIBED[kind];
    throw refuse(
      canonicalAddress(host) === address ? `${address} is ${what}` : `${host} resolves to ${address}, ${what}`,
    );
  }
}
