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

/** Spend of one UTC day for one tenant, engine, model and purpose. */
export interface DailySpendRow {
  /** UTC calendar day, YYYY-MM-DD. */
  readonly day: string;
  readonly tenantId: string;
  readonly engine: string;
  readonly model: string;
  readonly purpose: string;
  readonly events: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly modelSeconds: number;
  /** Sum over the priced events (exact decimal, trailing zeros trimmed); null when none was priced. */
  readonly costUsd: string | null;
  readonly pricedEvents: number;
  /** Usage with no price: listed apart, never counted as $0. */
  readonly unpricedEvents: number;
  readonly unpricedInputTokens: number;
  readonly unpricedOutputTokens: number;
  readonly unpricedModelSeconds: number;
  readonly estimatedEvents: number;
}

export interface DailySpendQuery {
  /** First UTC day, inclusive (YYYY-MM-DD). */
  readonly fromDay: string;
  /** Last UTC day, inclusive. */
  readonly toDay: string;
  /** One tenant; omitted only for an all-tenant (admin) view. */
  readonly tenantId?: string;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const PRICE_DECIMALS = 10;

function utcMidnight(day: string): Date {
  if (!DAY_RE.test(day)) throw new Error(`not a YYYY-MM-DD day: ${day}`);
  const date = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day) throw new Error(`not a day: ${day}`);
  return date;
}

const trim = (text: string) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);
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

  /** Spend per UTC day, tenant, engine, model and purpose; priced and unpriced usage kept apart. */
  async dailySpend(query: DailySpendQuery): Promise<DailySpendRow[]> {
    const from = utcMidnight(query.fromDay);
    const to = new Date(utcMidnight(query.toDay).getTime() + 86_400_000);
    const tenant = query.tenantId ? Prisma.sql`AND tenant_id = ${query.tenantId}::uuid` : Prisma.empty;
    const rows = await this.prisma.client.$queryRaw<
      {
        day: string;
        tenant_id: string;
        engine: string;
        model: string;
        purpose: string;
        events: bigint;
        input_tokens: bigint;
        output_tokens: bigint;
        cached_tokens: bigint;
        model_seconds: number;
        cost_usd: string | null;
        priced_events: bigint;
        unpriced_events: bigint;
        unpriced_input_tokens: bigint;
        unpriced_output_tokens: bigint;
        unpriced_model_seconds: number;
        estimated_events: bigint;
      }[]
    >`
      SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
             tenant_id::text AS tenant_id, engine, model, purpose,
             count(*) AS events,
             coalesce(sum(input_tokens), 0)::bigint AS input_tokens,
             coalesce(sum(output_tokens), 0)::bigint AS output_tokens,
             coalesce(sum(cached_tokens), 0)::bigint AS cached_tokens,
             coalesce(sum(model_seconds), 0)::float8 AS model_seconds,
             sum(cost_usd)::text AS cost_usd,
             count(cost_usd) AS priced_events,
             count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced_events,
             coalesce(sum(input_tokens) FILTER (WHERE cost_usd IS NULL), 0)::bigint AS unpriced_input_tokens,
             coalesce(sum(output_tokens) FILTER (WHERE cost_usd IS NULL), 0)::bigint AS unpriced_output_tokens,
             coalesce(sum(model_seconds) FILTER (WHERE cost_usd IS NULL), 0)::float8 AS unpriced_model_seconds,
             count(*) FILTER (WHERE estimated) AS estimated_events
        FROM cost_events
       WHERE occurred_at >= ${from} AND occurred_at < ${to} ${tenant}
       GROUP BY 1, 2, 3, 4, 5
       ORDER BY 1, 2, 3, 4, 5`;
    return rows.map((r) => ({
      day: r.day,
      tenantId: r.tenant_id,
      engine: r.engine,
      model: r.model,
      purpose: r.purpose,
      events: Number(r.events),
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      cachedTokens: Number(r.cached_tokens),
      modelSeconds: r.model_seconds,
      costUsd: r.cost_usd === null ? null : trim(r.cost_usd),
      pricedEvents: Number(r.priced_events),
      unpricedEvents: Number(r.unpriced_events),
      unpricedInputTokens: Number(r.unpriced_input_tokens),
      unpricedOutputTokens: Number(r.unpriced_output_tokens),
      unpricedModelSeconds: r.unpriced_model_seconds,
      estimatedEvents: Number(r.estimated_events),
    }));
  }
}
