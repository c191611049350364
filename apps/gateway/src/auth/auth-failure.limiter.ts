import { Inject, Injectable } from '@nestjs/common';
import { isIPv4, isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { Metrics } from '#platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_LOGGER } from '../gateway.tokens.js';
import { AuthErrorCode, RateLimitError } from './auth.errors.js';

/** Most client addresses tracked at once: about 300 bytes each, so a flood of addresses stays bounded in memory. */
export const MAX_TRACKED_CLIENTS = 100_000;

interface ClientFailures {
  /** Times of the client's recent failures, oldest first; never more than AUTH_FAILURE_LIMIT of them. */
  times: number[];
  lockedUntil: number;
  /** When a key of this client was last verified (hashed) while it was locked out. */
  verifiedAt: number;
}

/**
 * Brute-force guard: AUTH_FAILURE_LIMIT failed authentications from one client address within
 * AUTH_FAILURE_WINDOW_SECONDS (sliding) lock that address out for AUTH_LOCKOUT_SECONDS. A lockout never refuses a
 * valid key — one client behind a hospital's NAT must not lock the whole hospital out — so while it lasts:
 * - a request with a valid key is served as usual (a key this instance has verified before costs no hash);
 * - any other request (no key, malformed, unknown, wrong or revoked) gets 429 TOO_MANY_AUTH_FAILURES with
 *   Retry-After instead of 401, and is not counted again;
 * - the scrypt work the address can cause is rationed: one verification per AUTH_LOCKOUT_VERIFY_INTERVAL_MS (real or
 *   dummy hash, taken before the key id is looked up, so the ration says nothing about which ids exist); a key that
 *   finds the ration spent is refused unverified, with a Retry-After of that interval. A hospital's keys in use are in the verified
 *   cache and never need the ration; only a key this instance has not verified yet can wait for it.
 * A valid key does not reset the count (a guesser holding one key cannot launder its failures with it).
 *
 * The state is in this instance's memory, like the per-key rate limit. That is enough for its two jobs: a key's
 * secret is 256 random bits, so guessing is hopeless at any rate and the limit is about bounding the scrypt work a
 * client can make us do and the noise it makes; N instances behind a balancer allow at most N times the limit, still
 * bounded, and a restart forgets lockouts, which only lets a guesser start again at the same slow rate. A shared
 * store (PostgreSQL or Redis) on every failed request would add a dependency and a write per failure for no gain in
 * what an attacker can learn.
 *
 * The address is Fastify's `request.ip`: the TCP peer unless TRUST_PROXY names the proxies whose X-Forwarded-For is
 * believed. Behind a proxy without TRUST_PROXY every client shares the proxy's address: set TRUST_PROXY there. IPv6
 * clients are grouped by /64, the block one subscriber usually holds.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly clients = new Map<string, ClientFailures>();
  private readonly failures: Counter;
  private readonly lockouts: Counter;
  private readonly refusals: Counter;

  constructor(
    @Inject(GATEWAY_CONFIG)
    private readonly config: Pick<
      GatewayConfig,
      'AUTH_FAILURE_LIMIT' | 'AUTH_FAILURE_WINDOW_SECONDS' | 'AUTH_LOCKOUT_SECONDS' | 'AUTH_LOCKOUT_VERIFY_INTERVAL_MS'
    >,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    metrics: Metrics,
  ) {
    // One counter for every refused key, whatever the reason: counting unknown key ids and wrong secrets apart
    // would tell whoever reads the metrics which key ids exist.
    this.failures = new Counter({
      name: 'clinex_gateway_auth_failed_total',
      help: 'Refused authentications (no key, malformed, unknown, wrong or revoked key) outside a lockout',
      registers: [metrics.registry],
    });
    this.lockouts = new Counter({
      name: 'clinex_gateway_auth_lockouts_total',
      help: 'Client addresses locked out after too many failed authentications',
      registers: [metrics.registry],
    });
    this.refusals = new Counter({
      name: 'clinex_gateway_auth_lockout_refusals_total',
      help: 'Requests without a valid key refused because their client address was locked out',
      registers: [metrics.registry],
    });
  }

  /** Whether the client is locked out now. */
  isLockedOut(client: string, now = Date.now()): boolean {
    const entry = this.clients.get(client);
    return entry !== undefined && entry.lockedUntil > now;
  }

  /**
   * For a locked-out client about to have a key verified: true (and the ration is spent) when it may, false when it
   * had one verified less than AUTH_LOCKOUT_VERIFY_INTERVAL_MS ago.
   */
  takeVerification(client: string, now = Date.now()): boolean {
    const entry = this.clients.get(client);
    if (!entry || entry.lockedUntil <= now) return true;
    if (now - entry.verifiedAt < this.config.AUTH_LOCKOUT_VERIFY_INTERVAL_MS) return false;
    entry.verifiedAt = now;
    return true;
  }

  /**
   * The 429 for a locked-out client's request that carried no valid key; Retry-After counts the lockout down, or is
   * the verification interval when the key was refused only because the client's ration was spent.
   */
  refusal(client: string, unverified: boolean, now = Date.now()): RateLimitError {
    this.refusals.inc();
    const lockedUntil = this.clients.get(client)?.lockedUntil ?? now;
    const seconds = unverified
      ? Math.max(1, Math.ceil(this.config.AUTH_LOCKOUT_VERIFY_INTERVAL_MS / 1000))
      : Math.max(1, Math.ceil((lockedUntil - now) / 1000));
    return new RateLimitError(
      seconds,
      AuthErrorCode.TOO_MANY_AUTH_FAILURES,
      unverified
        ? `too many failed authentications from this address; the key could not be checked yet, retry after ${seconds} s`
        : `too many failed authentications from this address; retry after ${seconds} s (a valid key is still served)`,
    );
  }

  /** Counts one failed authentication; the one that reaches the limit starts the lockout (it still answers 401). */
  recordFailure(client: string, now = Date.now()): void {
    this.failures.inc();
    const windowMs = this.config.AUTH_FAILURE_WINDOW_SECONDS * 1000;
    let entry = this.clients.get(client);
    if (!entry) {
      if (this.clients.size >= MAX_TRACKED_CLIENTS) this.evict(now);
      entry = { times: [], lockedUntil: 0, verifiedAt: Number.NEGATIVE_INFINITY };
      this.clients.set(client, entry);
    }
    entry.times = entry.times.filter((t) => t > now - windowMs);
    entry.times.push(now);
    if (entry.times.length >= this.config.AUTH_FAILURE_LIMIT) {
      entry.times = [];
      entry.lockedUntil = now + this.config.AUTH_LOCKOUT_SECONDS * 1000;
      entry.verifiedAt = Number.NEGATIVE_INFINITY;
      this.lockouts.inc();
      // The address is not PHI; operators need it to tell an attack from a misconfigured client.
      this.logger.warn(
        { client, lockoutSeconds: this.config.AUTH_LOCKOUT_SECONDS, limit: this.config.AUTH_FAILURE_LIMIT },
        'client locked out after repeated failed authentications',
      );
    }
  }

  /** How many client addresses are tracked (for tests and diagnostics). */
  get trackedClients(): number {
    return this.clients.size;
  }

  /**
   * Makes room: first forgets clients with nothing recent and no lockout; if that frees too little (a flood from
   * many addresses), the oldest tracked ones, down to 90% of the bound, so the scan is paid once per 10,000 new
   * clients rather than once each. An attacker with that many addresses can thus clear its own lockout, but with
   * that many addresses it had no need to.
   */
  private evict(now: number): void {
    const windowMs = this.config.AUTH_FAILURE_WINDOW_SECONDS * 1000;
    for (const [client, entry] of this.clients) {
      const last = entry.times[entry.times.length - 1] ?? 0;
      if (entry.lockedUntil <= now && last <= now - windowMs) this.clients.delete(client);
    }
    const excess = this.clients.size - Math.floor(MAX_TRACKED_CLIENTS * 0.9);
    if (excess <= 0) return;
    let removed = 0;
    for (const client of this.clients.keys()) {
      if (removed++ >= excess) break;
      this.clients.delete(client);
    }
  }
}

/**
 * The key a client is counted under: an IPv4 address as is (also when it arrives IPv4-mapped, `::ffff:a.b.c.d`),
 * an IPv6 address by its /64 prefix (one subscriber usually holds a whole /64, so counting single addresses would
 * give it 2^64 tries), anything else as given.
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.split('%')[0]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6]!, groups[7]!];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` expanded and a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
