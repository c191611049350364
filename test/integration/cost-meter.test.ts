import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { CostEvent } from '../../libs/schemas/src/index.js';
import type { ValidatorConfig } from '../../apps/validator/src/config/validator.config.js';
import { CostLedgerRepository } from '../../apps/validator/src/cost-meter/cost-ledger.repository.js';
import { CostMeterService } from '../../apps/validator/src/cost-meter/cost-meter.service.js';
// Daily spend is read with the finance dashboard's own query (the one production runs), not a copy of it.
import { FinanceRepository } from '../../apps/gateway/src/finance/finance.repository.js';
import { createPrismaService, type PrismaService } from '../../libs/database/src/index.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import { waitFor } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * The cost meter in the validator, over the real broker and database: events priced with the version in effect at
 * their time, written once by event id, unpriced usage kept apart, and daily spend on UTC days.
 */
describe('cost meter over real Kafka and PostgreSQL', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const run = randomUUID().slice(0, 8);
  const kafka = new Kafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId: `cost-${run}`,
    logLevel: logLevel.NOTHING,
  });
  const db = new pg.Client({ connectionString: databaseUrl });
  let producer: Producer;
  let service: RunningService<ValidatorConfig>;
  let meter: CostMeterService;
  let ledger: CostLedgerRepository;
  let prisma: PrismaService;
  let finance: FinanceRepository;
  const utc = (day: string) => new Date(`${day}T00:00:00.000Z`);
  /** Spend per UTC day in [fromDay, toDay] (inclusive), for some tenants or all. */
  const dailySpend = (fromDay: string, toDay: string, tenants: string[] | null) =>
    finance.dailySpend(tenants, utc(fromDay), new Date(utc(toDay).getTime() + 86_400_000));
  let tenant: TestTenant;
  let other: TestTenant;

  const event = (overrides: Partial<CostEvent> = {}): CostEvent => ({
    version: 2,
    eventId: randomUUID(),
    tenantId: tenant.id,
    noteId: randomUUID(),
    engine: 'llm',
    model: `model-a-${run}`,
    purpose: 'extraction',
    inputTokens: 500,
    outputTokens: 200,
    cachedTokens: 0,
    modelSeconds: 0,
    occurredAt: '2026-11-20T12:00:00.000Z',
    latencyMs: 850,
    outcome: 'ok',
    estimated: false,
    attempts: 1,
    ...overrides,
  });

  const rows = async (eventId: string) =>
    (
      await db.query<{
        cost_usd: string | null;
        price_version_id: string | null;
        estimated: boolean;
        latency_ms: number;
        outcome: string;
      }>(
        'SELECT cost_usd::text, price_version_id, estimated, latency_ms, outcome FROM cost_events WHERE event_id = $1',
        [eventId],
      )
    ).rows;

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'cost');
    other = await createTestTenant(databaseUrl, 'cost-other');
    producer = kafka.producer();
    await producer.connect();
    service = await startService(validatorService, {
      env: {
        ...process.env,
        KAFKA_GROUP_ID: `cost-meter-it-${run}`,
        PORT: '0',
        LOG_LEVEL: 'warn',
        MESSAGE_RETRY_BASE_MS: '50',
      },
    });
    meter = service.app.get(CostMeterService);
    ledger = service.app.get(CostLedgerRepository);
    prisma = createPrismaService(databaseUrl, 2);
    finance = new FinanceRepository(prisma);
    const rates = { inputPerMillion: '10', outputPerMillion: '30', cachedInputPerMillion: '2.5', perModelSecond: null };
    await ledger.addPriceVersion({
      engine: 'llm',
      model: `model-a-${run}`,
      effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      rates,
      source: 'test',
    });
  });

  afterAll(async () => {
    await service?.app.close();
    await prisma?.onApplicationShutdown();
    await producer?.disconnect();
    await db.end();
  });

  it('prices an event from Kafka and records it once, however often it is delivered', async () => {
    const e = event({ estimated: true });
    const message = { key: e.noteId!, value: JSON.stringify(e) };
    await producer.send({ topic: 'cost.events', messages: [message, message] });
    await producer.send({ topic: 'cost.events', messages: [message] });
    // A later event with the same key is processed after the copies (same partition, in order).
    const marker = event();
    await producer.send({ topic: 'cost.events', messages: [{ key: e.noteId!, value: JSON.stringify(marker) }] });
    await waitFor(async () => ((await rows(marker.eventId)).length > 0 ? true : null), 30_000, 'the marker event');
    const recorded = await rows(e.eventId);
    expect(recorded).toHaveLength(1);
    // 500 × $10/M + 200 × $30/M
    expect(recorded[0]).toMatchObject({ cost_usd: '0.011000000000', estimated: true, latency_ms: 850, outcome: 'ok' });
    expect(recorded[0]!.price_version_id).not.toBeNull();
  });

  it('prices cached prompt tokens at their own rate', async () => {
    const e = event({ inputTokens: 1000, cachedTokens: 800, outputTokens: 0 });
    await meter.record([e]);
    // 200 × $10/M + 800 × $2.50/M = $0.002 + $0.002
    expect((await rows(e.eventId))[0]!.cost_usd).toBe('0.004000000000');
  });

  it('applies a new price version from its effective date; earlier events keep their price', async () => {
    const model = `model-b-${run}`;
    const v1 = await ledger.addPriceVersion({
      engine: 'llm',
      model,
      effectiveFrom: new Date('2026-11-01T00:00:00Z'),
      rates: { inputPerMillion: '10', outputPerMillion: '30', cachedInputPerMillion: null, perModelSecond: null },
    });
    const before = event({ model, occurredAt: '2026-11-14T23:59:59.999Z' });
    await meter.record([before]);
    const v2 = await ledger.addPriceVersion({
      engine: 'llm',
      model,
      effectiveFrom: new Date('2026-11-15T00:00:00Z'),
      rates: { inputPerMillion: '5', outputPerMillion: '15', cachedInputPerMillion: null, perModelSecond: null },
    });
    const after = event({ model, occurredAt: '2026-11-15T00:00:00.000Z' });
    await meter.record([after]);
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(await rows(before.eventId)).toEqual([
      expect.objectContaining({ cost_usd: '0.011000000000', price_version_id: v1.id }),
    ]);
    expect(await rows(after.eventId)).toEqual([
      expect.objectContaining({ cost_usd: '0.005500000000', price_version_id: v2.id }),
    ]);
  });

  it('records usage with no price as unpriced (NULL, never $0), and lists it apart in the daily spend', async () => {
    const unknown = event({ model: `no-price-${run}`, occurredAt: '2026-10-03T08:00:00Z' });
    const result = await meter.record([unknown]);
    expect(result).toEqual({ recorded: 1, duplicates: 0, unpriced: 1 });
    expect(await rows(unknown.eventId)).toEqual([expect.objectContaining({ cost_usd: null, price_version_id: null })]);
    const spend = await dailySpend('2026-10-03', '2026-10-03', [tenant.id]);
    expect(spend.rows.filter((r) => r.model === `no-price-${run}`)).toEqual([]);
    expect(spend.unpriced).toEqual([
      expect.objectContaining({
        day: '2026-10-03',
        model: `no-price-${run}`,
        events: 1,
        inputTokens: 500,
        outputTokens: 200,
      }),
    ]);
  });

  it('numbers concurrent price additions for one model 1..n (one locked insert, shared with the finance API)', async () => {
    const model = `concurrent-${run}`;
    const added = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        ledger.addPriceVersion({
          engine: 'llm',
          model,
          effectiveFrom: new Date(Date.UTC(2026, 0, 1 + i)),
          rates: { inputPerMillion: '1', outputPerMillion: '2', cachedInputPerMillion: null, perModelSecond: null },
        }),
      ),
    );
    expect(added.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('prices the NER engine per model-second with the seeded price', async () => {
    const ner = event({
      engine: 'bert-ner',
      model: 'clinex-bert-ner',
      inputTokens: 0,
      outputTokens: 0,
      modelSeconds: 2.5,
    });
    await meter.record([ner]);
    // 2.5 s × $0.00004/s (seed, migration 20261128110000_cost_meter)
    expect((await rows(ner.eventId))[0]!.cost_usd).toBe('0.000100000000');
  });

  it('splits days at UTC midnight and keeps tenants apart', async () => {
    const model = `model-a-${run}`;
    await meter.record([
      event({ occurredAt: '2026-09-09T23:59:59.999Z' }),
      event({ occurredAt: '2026-09-10T00:00:00.000Z' }),
      event({ occurredAt: '2026-09-10T00:00:00.000+02:00' }), // 22:00 UTC on the 9th
      event({ tenantId: other.id, occurredAt: '2026-09-10T10:00:00.000Z' }),
    ]);
    const mine = (await dailySpend('2026-09-09', '2026-09-10', [tenant.id])).rows;
    expect(mine.map((r) => [r.day, r.model, r.events, r.costUsd])).toEqual([
      ['2026-09-09', model, 2, '0.022'],
      ['2026-09-10', model, 1, '0.011'],
    ]);
    const theirs = (await dailySpend('2026-09-09', '2026-09-10', [other.id])).rows;
    expect(theirs.map((r) => [r.day, r.tenantId, r.events])).toEqual([['2026-09-10', other.id, 1]]);
    const all = (await dailySpend('2026-09-09', '2026-09-10', null)).rows;
    expect(all.filter((r) => r.tenantId === tenant.id || r.tenantId === other.id)).toHaveLength(3);
  });

  it('reproduces the issue example: 10,000 notes a day × (500 in + 200 out) at $10/$30 per million = $110 a day', async () => {
    const model = `gpt-example-${run}`;
    await ledger.addPriceVersion({
      engine: 'llm',
      model,
      effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      rates: { inputPerMillion: '10.00', outputPerMillion: '30.00', cachedInputPerMillion: null, perModelSecond: null },
    });
    const dayStart = Date.parse('2026-11-02T00:00:00.000Z');
    for (let chunk = 0; chunk < 10; chunk++) {
      const events = Array.from({ length: 1000 }, (_, i) =>
        event({
          model,
          // Spread over the whole UTC day, first and last millisecond included.
          occurredAt: new Date(dayStart + Math.floor(((chunk * 1000 + i) / 9999) * (86_400_000 - 1))).toISOString(),
        }),
      );
      expect(await meter.record(events)).toEqual({ recorded: 1000, duplicates: 0, unpriced: 0 });
    }
    const spend = await dailySpend('2026-11-01', '2026-11-03', [tenant.id]);
    expect(spend.rows.filter((r) => r.model === model)).toEqual([
      expect.objectContaining({
        day: '2026-11-02',
        events: 10_000,
        inputTokens: 5_000_000,
        outputTokens: 2_000_000,
        costUsd: '110',
      }),
    ]);
    expect(spend.unpriced.filter((r) => r.model === model)).toEqual([]);
  });
});
