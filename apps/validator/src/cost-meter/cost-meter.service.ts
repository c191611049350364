import { Injectable, Optional } from '@nestjs/common';
import { Metrics } from '#platform';
import type { CostEvent } from '#schemas';
import { CostLedgerRepository, type LedgerEntry, type PriceVersionRecord } from './cost-ledger.repository.js';
import { priceUsage } from './pricing.js';

export interface RecordResult {
  readonly recorded: number;
  readonly duplicates: number;
  readonly unpriced: number;
}

/**
 * The cost meter: prices each cost event with the price version in effect at the event's time and writes it once
 * (the ledger is idempotent by event id, so a redelivered or replayed event is a duplicate, not a second charge).
 */
@Injectable()
export class CostMeterService {
  constructor(
    private readonly ledger: CostLedgerRepository,
    // Finance (issue 8): Prometheus token and cost counters, counted once per newly recorded event.
    @Optional() private readonly metrics?: Metrics,
  ) {}

  async record(events: readonly CostEvent[]): Promise<RecordResult> {
    const versions = new Map<string, PriceVersionRecord[]>();
    const entries: LedgerEntry[] = [];
    let unpriced = 0;
    for (const event of events) {
      const key = `${event.engine}\u0000${event.model}`;
      let list = versions.get(key);
      if (!list) {
        list = await this.ledger.priceVersions(event.engine, event.model);
        versions.set(key, list);
      }
      const occurredAt = new Date(event.occurredAt);
      const version = list.find((v) => v.effectiveFrom.getTime() <= occurredAt.getTime()) ?? null;
      const price = priceUsage(event, version);
      if (!price.priced) unpriced++;
      entries.push({
        eventId: event.eventId,
        tenantId: event.tenantId,
        noteId: event.noteId,
        engine: event.engine,
        model: event.model,
        purpose: event.purpose,
        inputTokens: event.inputTokens,
        outputTokens: event.outputTokens,
        cachedTokens: event.cachedTokens,
        modelSeconds: event.modelSeconds,
        occurredAt,
        costUsd: price.priced ? price.costUsd : null,
        priceVersionId: price.priced ? (version?.id ?? null) : null,
        estimated: event.estimated ?? false,
        latencyMs: event.latencyMs ?? null,
        outcome: event.outcome ?? null,
        attempts: event.attempts ?? null,
        servedModel: event.servedModel ?? null,
        promptVariant: event.promptVariant ?? null,
      });
    }
    const recorded = await this.ledger.insertNew(entries);
    // The ledger tells how many were new, not which: count when all were (the Kafka handler records one at a time).
    if (recorded === entries.length) this.countUsage(entries);
    return { recorded, duplicates: entries.length - recorded, unpriced };
  }

  private countUsage(entries: readonly LedgerEntry[]): void {
    if (!this.metrics) return;
    for (const e of entries) {
      this.metrics.countUsage({
        tenant: e.tenantId,
        engine: e.engine,
        model: e.model,
        inputTokens: e.inputTokens,
        outputTokens: e.outputTokens,
        cachedTokens: e.cachedTokens,
        costUsd: e.costUsd === null ? null : Number(e.costUsd),
      });
    }
  }
}
