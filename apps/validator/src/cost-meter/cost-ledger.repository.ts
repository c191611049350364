import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { insertPriceVersion, Prisma, PrismaService } from '#database';
import type { PriceRates } from './pricing.js';

/** A price version as the meter uses it (rates as plain decimal strings). */
export interface PriceVersionRecord extends PriceRates {
  readonly id: string;
  readonly engine: string;
  readonly model: string;
  readonly version: number;
  readonly effectiveFrom: Date;
}

export interface NewPriceVersion {
  readonly engine: string;
  readonly model: string;
  readonly effectiveFrom: Date;
  readonly rates: PriceRates;
  readonly source?: string;
  readonly createdBy?: string;
}

/** One cost event as recorded: usage, call details, and its price (or none). */
export interface LedgerEntry {
  readonly eventId: string;
  readonly tenantId: string;
  readonly noteId: string | null;
  readonly engine: string;
  readonly model: string;
  readonly purpose: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly modelSeconds: number;
  readonly occurredAt: Date;
  /** Null: unpriced. */
  readonly costUsd: string | null;
  readonly priceVersionId: string | null;
  readonly estimated: boolean;
  readonly latencyMs: number | null;
  readonly outcome: string | null;
  readonly attempts: number | null;
  readonly servedModel: string | null;
  readonly promptVariant: string | null;
}

const PRICE_DECIMALS = 10;

const rate = (d: Prisma.Decimal | null): string | null => (d === null ? null : d.toFixed(PRICE_DECIMALS));

/** The cost ledger (cost_events) and the price table (price_versions). */
@Injectable()
export class CostLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Every version for an engine and model, latest effective date first. */
  async priceVersions(engine: string, model: string): Promise<PriceVersionRecord[]> {
    const rows = await this.prisma.client.priceVersion.findMany({
      where: { engine, model },
      orderBy: { effectiveFrom: 'desc' },
    });
    return rows.map((r) => ({
      id: r.id,
      engine: r.engine,
      model: r.model,
      version: r.version,
      effectiveFrom: r.effectiveFrom,
      inputPerMillion: rate(r.inputPerMillion),
      outputPerMillion: rate(r.outputPerMillion),
      cachedInputPerMillion: rate(r.cachedInputPerMillion),
      perModelSecond: rate(r.perModelSecond),
    }));
  }

  /** Adds the next version for an engine and model (numbered after the highest so far), by the one locked insert. */
  async addPriceVersion(input: NewPriceVersion): Promise<PriceVersionRecord> {
    const row = await insertPriceVersion(this.prisma.client, {
      engine: input.engine,
      model: input.model,
      effectiveFrom: input.effectiveFrom,
      ...input.rates,
      source: input.source ?? null,
      createdBy: input.createdBy ?? null,
    });
    if (!row) throw new Error(`a price version of ${input.engine}/${input.model} already starts at that instant`);
    return {
      ...input.rates,
      id: row.id,
      engine: row.engine,
      model: row.model,
      version: row.version,
      effectiveFrom: row.effectiveFrom,
    };
  }

  /** Inserts the entries whose event id is new; returns how many were new. Idempotent by event id. */
  async insertNew(entries: readonly LedgerEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const { count } = await this.prisma.client.costEvent.createMany({
      data: entries.map((e) => ({ id: randomUUID(), ...e })),
      skipDuplicates: true,
    });
    return count;
  }
}
