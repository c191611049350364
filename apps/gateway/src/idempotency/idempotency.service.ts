import { createHash } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Prisma, PrismaService, type DatabaseTransaction } from '#database';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_LOGGER } from '../gateway.tokens.js';
import { IdempotencyError, IdempotencyErrorCode } from './idempotency.errors.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Which request an Idempotency-Key belongs to: the tenant's key and a hash of what was asked. */
export interface IdempotencyScope {
  tenantId: string;
  /** The Idempotency-Key header, or null when the client sent none. */
  key: string | null;
  requestHash: string;
}

export interface HttpOutcome<T> {
  status: number;
  body: T;
}

export interface IdempotentOutcome<T> extends HttpOutcome<T> {
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

/** Hash of what a request asks for: method, route and body with object keys sorted (key order carries no meaning). */
export function requestHash(method: string, route: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${route}\n${canonicalJson(body)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

class ConcurrentKeyUse extends Error {}

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/**
 * Idempotency-Key semantics: the first request with a key runs, and its response is stored in the same transaction
 * as the work it did; a later request with the same key and the same request gets that response again (same status
 * and body), one with the same key and a different request gets 409 IDEMPOTENCY_KEY_REUSED. Errors are not stored:
 * a request that failed wrote nothing and may be retried with its key. Keys expire after IDEMPOTENCY_TTL_HOURS.
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly records: IdempotencyRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async execute<T extends object>(
    scope: IdempotencyScope,
    work: (tx: DatabaseTransaction) => Promise<HttpOutcome<T>>,
  ): Promise<IdempotentOutcome<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.prisma.client.$transaction(
          async (tx) => {
            if (scope.key !== null) {
              const stored = await this.records.find(scope.tenantId, scope.key, tx);
              if (stored) return this.replay<T>(stored, scope);
            }
            const outcome = await work(tx);
            if (scope.key !== null) {
              const saved = await this.records.save(tx, {
                tenantId: scope.tenantId,
                key: scope.key,
                requestHash: scope.requestHash,
                status: outcome.status,
                body: outcome.body,
                expiresAt: new Date(Date.now() + this.config.IDEMPOTENCY_TTL_HOURS * 3_600_000),
              });
              if (!saved) throw new ConcurrentKeyUse();
            }
            return { ...outcome, replayed: false };
          },
          { timeout: 30_000, maxWait: 10_000 },
        );
      } catch (error) {
        // A concurrent request committed first, with the same key or the same tenant note id: run again, which now
        // replays its response or finds its notes.
        if (attempt >= 3 || !(error instanceof ConcurrentKeyUse || isUniqueViolation(error))) throw error;
      }
    }
  }

  private replay<T>(stored: { requestHash: string; status: number; body: unknown }, scope: IdempotencyScope) {
    if (stored.requestHash !== scope.requestHash) {
      throw new IdempotencyError(
        IdempotencyErrorCode.IDEMPOTENCY_KEY_REUSED,
        'this Idempotency-Key was already used for a different request; use a new key for a new request',
        'Idempotency-Key',
      );
    }
    return { status: stored.status, body: stored.body as T, replayed: true };
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), 10 * 60_000);
    this.sweeper.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    try {
      while ((await this.records.deleteExpired(1000)) === 1000);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete expired idempotency keys; will try again');
    }
  }
}
