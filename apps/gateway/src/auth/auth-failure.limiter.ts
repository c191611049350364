import { Inject, Injectable } from '@nestjs/common';
import { isIPv4, isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { Metrics } from '#platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_LOGGER } from '../gateway.tokens.js';
import { AuthErrorCode, RateLimitError, type InvalidCredentialsReason } from './auth.errors.js';

/** Most client addresses tracked at once: about 300 bytes each, so a flood of addresses stays bounded in memory. */
export const MAX_TRACKED_CLIENTS = 100_000;

interface ClientFailures {
  /** Times of the client's recent failures, oldest first; never more than AUTH_FAILURE_LIMIT of them. */
  times: number[];
  lockedUntil: number;
}

/**
 * Brute-force guard: AUTH_FAILURE_LIMIT failed authentications from one client address within
 * AUTH_FAILURE_WINDOW_SECONDS (sliding) lock that address out for AUTH_LOCKOUT_SECONDS. While locked out every
 * authenticated route answers 429 TOO_MANY_AUTH_FAILURES with Retry-After, before any key is looked up or hashed —
 * even for a valid key, so a guesser learns nothing from a hit during the lockout, and a valid key does not reset the
 * count (a guesser holding one key cannot launder its failures with it).
 *
 * The state is in this instance's memory, like the per-key rate limit. That is enough for its two jobs: a key's
 * secret is 256 random bits, so guessing is hopeless at any rate and the limit is about bounding the scrypt work a
 * client can make us do and the noise it makes; N instances behind a balancer allow at most N times the limit, still
 * bounded, and a restart forgets lockouts, which only lets a guesser start again at the same slow rate. A shared
 * store (PostgreSQL or Redis) on every failed request would add a dependency and a write per failure for no gain in
 * what an attacker can learn.
 *
 * The address is Fastify's `request.ip`: the TCP peer unless TRUST_PROXY names the proxies whose X-Forwarded-For is
 * believed. Behind a proxy without TRUST_PROXY every client shares the proxy's address, so one guesser would lock
 * everyone out: set TRUST_PROXY there. IPv6 clients are grouped by /64, the block one subscriber usually holds.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly clients = new Map<string, ClientFailures>();
  private readonly failures: Counter<'reason'>;
  private readonly lockouts: Counter;
  private readonly refusals: Counter;

  constructor(
    @Inject(GATEWAY_CONFIG)
    private readonly config: Pick<
      GatewayConfig,
      'AUTH_FAILURE_LIMIT' | 'AUTH_FAILURE_WINDOW_SECONDS' | 'AUTH_LOCKOUT_SECONDS'
    >,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.failures = new Counter({
      name: 'clinex_gateway_auth_failures_total',
      help: 'Refused API keys by reason (malformed: refused before any lookup or hash)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
    this.lockouts = new Counter({
      name: 'clinex_gateway_auth_lockouts_total',
      help: 'Client addresses locked out after too many failed authentications',
      registers: [metrics.registry],
    });
    this.refusals = new Counter({
      name: 'clinex_gateway_auth_lockout_refusals_total',
      help: 'Requests refused because their client address was locked out',
      registers: [metrics.registry],
    });
  }

  /** Throws 429 TOO_MANY_AUTH_FAILURES while the client is locked out. Call before authenticating. */
  assertNotLockedOut(client: string, now = Date.now()): void {
    const entry = this.clients.get(client);
    if (!entry || entry.lockedUntil <= now) return;
    this.refusals.inc();
    const seconds = Math.max(1, Math.ceil((entry.lockedUntil - now) / 1000));
    throw new RateLimitError(
      seconds,
      AuthErrorCode.TOO_MANY_AUTH_FAILURES,
      `too many failed authentications from this address; retry after ${seconds} s`,
    );
  }

  /** Counts one failed authentication; the one that reaches the limit starts the lockout (it still answers 401). */
  recordFailure(client: string, reason: InvalidCredentialsReason, now = Date.now()): void {
    this.failures.inc({ reason });
    const windowMs = this.config.AUTH_FAILURE_WINDOW_SECONDS * 1000;
    let entry = this.clients.get(client);
    if (!entry) {
      if (this.clients.size >= MAX_TRACKED_CLIENTS) this.evict(now);
      entry = { times: [], lockedUntil: 0 };
      this.clients.set(client, entry);
    }
    entry.times = entry.times.filter((t) => t > now - windowMs);
    entry.times.push(now);
    if (entry.times.length >= this.config.AUTH_FAILURE_LIMIT) {
      entry.times = [];
      entry.lockedUntil = now + this.config.AUTH_LOCKOUT_SECONDS * 1000;
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
