// Response bodies are read as parsed JSON (untyped) and checked field by field with expect(); the test lint profile allows that.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { CostEvent } from '../../libs/schemas/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { BudgetAlertService } from '../../apps/gateway/src/finance/budget-alerts.service.js';
import type { ValidatorConfig } from '../../apps/validator/src/config/validator.config.js';
import { CostLedgerRepository } from '../../apps/validator/src/cost-meter/cost-ledger.repository.js';
import { CostMeterService } from '../../apps/validator/src/cost-meter/cost-meter.service.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import { waitFor } from '../support/service-process.js';
import { createOperatorKey, createTestTenant, type TestTenant } from '../support/tenant-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Finance API over the real cost meter (validator, in-process), real PostgreSQL and the real gateway: daily spend
 * on UTC days across a midnight and a price-version change, unpriced usage apart, exports, tenant isolation, and the
 * budget: NER fallback at the hard limit and alerts delivered once per threshold to a real webhook server.
 */
describe('finance API', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const run = randomUUID().slice(0, 8);
  const db = new pg.Client({ connectionString: databaseUrl });
  const model = `fin-model-${run}`;
  let validator: RunningService<ValidatorConfig>;
  let gateway: RunningService<GatewayConfig>;
  let meter: CostMeterService;
  let a: TestTenant;
  let b: TestTenant;
  let c: TestTenant;
  /** The platform operator's key: the one that reads every tenant and adds price versions (issue 21). */
  let operator: string;
  const metricsToken = `finance-metrics-${randomUUID()}`;
  let webhook: WebhookReceiver<{ tenantId: string; kind: string; thresholdPercent: number | null }>;

  const event = (tenantId: string, occurredAt: string, overrides: Partial<CostEvent> = {}): CostEvent => ({
    version: 2,
    eventId: randomUUID(),
    tenantId,
    noteId: randomUUID(),
    engine: 'llm',
    model,
    purpose: 'extraction',
    inputTokens: 1000,
    outputTokens: 0,
    cachedTokens: 0,
    modelSeconds: 0,
    occurredAt,
    ...overrides,
  });

  const api = async (key: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${gateway.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, type, body: type.includes('json') && text ? JSON.parse(text) : text };
  };

  beforeAll(async () => {
    await db.connect();
    a = await createTestTenant(databaseUrl, 'fin-a');
    b = await createTestTenant(databaseUrl, 'fin-b');
    c = await createTestTenant(databaseUrl, 'fin-c');
    operator = (await createOperatorKey(databaseUrl, 'finance operator')).key;
    webhook = await startWebhookReceiver('/alerts');
    validator = await startService(validatorService, {
      env: {
        ...process.env,
        KAFKA_GROUP_ID: `finance-it-${run}`,
        PORT: '0',
        LOG_LEVEL: 'warn',
        // The scrape below reads per-tenant counters: the operator's opt-in, behind the scrape token.
        METRICS_TOKEN: metricsToken,
        METRICS_TENANT_LABELS: 'true',
      },
    });
    meter = validator.app.get(CostMeterService);
    const ledger = validator.app.get(CostLedgerRepository);
    const rates = (input: string) => ({
      inputPerMillion: input,
      outputPerMillion: '30',
      cachedInputPerMillion: null,
      perModelSecond: null,
    });
    // v1 $10/M input tokens; v2 $20/M from 15 November 00:00 UTC.
    await ledger.addPriceVersion({
      engine: 'llm',
      model,
      effectiveFrom: new Date('2000-01-01T00:00:00Z'),
      rates: rates('10'),
    });
    await ledger.addPriceVersion({
      engine: 'llm',
      model,
      effectiveFrom: new Date('2026-11-15T00:00:00Z'),
      rates: rates('20'),
    });
    await meter.record([
      event(a.id, '2026-11-14T23:59:59.999Z'), // day 14, v1: $0.01
      event(a.id, '2026-11-15T00:00:00.000Z'), // day 15, v2: $0.02
      event(a.id, '2026-11-15T08:00:00.000Z', { purpose: 'repair', outputTokens: 1000 }), // v2: $0.02 + $0.03
      event(a.id, '2026-11-15T09:00:00.000Z', { model: `unpriced-${run}`, inputTokens: 777 }), // no price at all
      event(b.id, '2026-11-15T10:00:00.000Z'), // another tenant
    ]);
    gateway = await startService(gatewayService, {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DOCS_ENABLED: 'false',
        FINANCE_ALERT_INTERVAL_MS: '300',
        // The receiver is on this host: an internal receiver the operator allows (refused by default).
        WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32',
        WEBHOOK_ALLOWED_PORTS: String(webhook.port),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([gateway?.app.close(), validator?.app.close()]);
    await webhook?.close();
    await db.end();
  });

  it('sums spend per UTC day across midnight and a price change, with unpriced usage apart', async () => {
    const { status, body } = await api(a.keys.finance, '/v1/finance/daily-spend?from=2026-11-14&to=2026-11-15');
    expect(status).toBe(200);
    expect(body.dayBoundary).toBe('UTC');
    expect(body.tenantIds).toEqual([a.id]);
    const rows = body.rows.filter((r: { model: string }) => r.model === model);
    expect(rows).toEqual([
      expect.objectContaining({ day: '2026-11-14', purpose: 'extraction', events: 1, costUsd: '0.01' }),
      expect.objectContaining({ day: '2026-11-15', purpose: 'extraction', events: 1, costUsd: '0.02' }),
      expect.objectContaining({ day: '2026-11-15', purpose: 'repair', events: 1, costUsd: '0.05' }),
    ]);
    expect(body.unpriced).toEqual([
      expect.objectContaining({ day: '2026-11-15', model: `unpriced-${run}`, events: 1, inputTokens: 777 }),
    ]);
    expect(body.unpriced[0]).not.toHaveProperty('costUsd');
    expect(body.totals).toEqual({ costUsd: '0.08', pricedEvents: 3, unpricedEvents: 1 });
    // Past events kept their price: the day before the change still costs v1's rate.
    const one = await api(a.keys.finance, '/v1/finance/daily-spend?from=2026-11-14&to=2026-11-14');
    expect(one.body.totals.costUsd).toBe('0.01');
  });

  it('exports the same figures as CSV, unpriced lines with an empty cost, never $0', async () => {
    const { status, type, body } = await api(
      a.keys.finance,
      '/v1/finance/daily-spend?from=2026-11-14&to=2026-11-15&format=csv',
    );
    expect(status).toBe(200);
    expect(type).toContain('text/csv');
    const lines = (body as string).trim().split('\r\n');
    expect(lines[0]).toBe(
      'day,tenant_id,engine,model,purpose,priced,events,input_tokens,output_tokens,cached_tokens,model_seconds,cost_usd',
    );
    expect(lines).toContain(`2026-11-14,${a.id},llm,${model},extraction,true,1,1000,0,0,0,0.01`);
    expect(lines).toContain(`2026-11-15,${a.id},llm,unpriced-${run},extraction,false,1,777,0,0,0,`);
  });

  it('keeps tenants apart: finance and admin keys see their own, the operator all or one', async () => {
    const forbidden = await api(
      a.keys.finance,
      `/v1/finance/daily-spend?from=2026-11-15&to=2026-11-15&tenantId=${b.id}`,
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('TENANT_FORBIDDEN');
    expect((await api(a.keys.submitter, '/v1/finance/daily-spend?from=2026-11-15&to=2026-11-15')).status).toBe(403);
    const own = await api(b.keys.finance, '/v1/finance/daily-spend?from=2026-11-15&to=2026-11-15');
    expect(own.body.rows.map((r: { tenantId: string }) => r.tenantId)).toEqual([b.id]);
    // A tenant's admin is no operator (issue 21): its own tenant only, whatever it asks for.
    const adminOther = await api(
      a.keys.admin,
      `/v1/finance/daily-spend?from=2026-11-15&to=2026-11-15&tenantId=${b.id}`,
    );
    expect([adminOther.status, adminOther.body.code]).toEqual([403, 'TENANT_FORBIDDEN']);
    const adminOwn = await api(a.keys.admin, '/v1/finance/daily-spend?from=2026-11-15&to=2026-11-15');
    expect(adminOwn.body.tenantIds).toEqual([a.id]);
    expect(new Set(adminOwn.body.rows.map((r: { tenantId: string }) => r.tenantId))).toEqual(new Set([a.id]));
    expect((await api(a.keys.admin, '/v1/finance/tenants')).body).toEqual([
      { id: a.id, slug: a.slug, name: `Test hospital ${a.slug}` },
    ]);
    const all = await api(operator, '/v1/finance/daily-spend?from=2026-11-15&to=2026-11-15');
    expect(all.body.tenantIds).toBe('all');
    const tenants = new Set(all.body.rows.map((r: { tenantId: string }) => r.tenantId));
    expect(tenants.has(a.id) && tenants.has(b.id)).toBe(true);
    const one = await api(operator, `/v1/finance/daily-spend?from=2026-11-15&to=2026-11-15&tenantId=${b.id}`);
    expect(one.body.rows.map((r: { tenantId: string }) => r.tenantId)).toEqual([b.id]);
    const missing = await api(operator, `/v1/finance/budgets?tenantId=${randomUUID()}`);
    expect([missing.status, missing.body.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    // The operator reads budgets and webhooks but sets neither: they are the tenant's own.
    const setByOperator = await api(operator, `/v1/finance/budgets/${b.id}/2031-01`, {
      method: 'PUT',
      body: JSON.stringify({ softLimitUsd: '1', hardLimitUsd: '0' }),
    });
    expect([setByOperator.status, setByOperator.body.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    const setByOtherAdmin = await api(a.keys.admin, `/v1/finance/budgets/${b.id}/2031-01`, {
      method: 'PUT',
      body: JSON.stringify({ softLimitUsd: '1', hardLimitUsd: '0' }),
    });
    expect([setByOtherAdmin.status, setByOtherAdmin.body.code]).toEqual([403, 'TENANT_FORBIDDEN']);
    const bad = await api(a.keys.finance, '/v1/finance/daily-spend?from=2026-11-16&to=2026-11-15');
    expect(bad.body.code).toBe('INVALID_RANGE');
  });

  it('counts metered tokens and cost in Prometheus counters by tenant, engine and model', async () => {
    const text = await (
      await fetch(`${validator.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    ).text();
    const line = (name: string, extra = '') =>
      text
        .split('\n')
        .find(
          (l) =>
            l.startsWith(name) && l.includes(`tenant="${b.id}"`) && l.includes(`model="${model}"`) && l.includes(extra),
        );
    expect(line('clinex_llm_tokens_total', 'kind="input"')).toMatch(/ 1000$/);
    expect(line('clinex_cost_usd_total')).toMatch(/ 0\.02$/);
  });

  it('gives unit costs per note, per 1,000 characters and per accepted medication', async () => {
    const noteId = randomUUID();
    const extractionId = randomUUID();
    await db.query(
      `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status) VALUES ($1, $2, $3, $4, 'llm', 'accepted')`,
      [noteId, c.id, `unit-${run}`, 'x'.repeat(2000)],
    );
    await db.query(
      `INSERT INTO extractions (id, tenant_id, note_id, engine_name, engine_model, engine_version, status, payload)
       VALUES ($1, $2, $3, 'llm', $4, '1', 'accepted', '{}')`,
      [extractionId, c.id, noteId, model],
    );
    for (const position of [0, 1]) {
      await db.query(
        `INSERT INTO extraction_medications (id, tenant_id, extraction_id, position, name, status, confidence)
         VALUES ($1, $2, $3, $4, 'metformin', 'active', 0.9)`,
        [randomUUID(), c.id, extractionId, position],
      );
    }
    await meter.record([
      event(c.id, '2026-10-03T12:00:00Z', { noteId }),
      event(c.id, '2026-10-03T13:00:00Z', { noteId }),
    ]);
    const { status, body } = await api(c.keys.finance, '/v1/finance/unit-costs?from=2026-10-01&to=2026-10-31');
    expect(status).toBe(200);
    // Two v1 calls of 1,000 input tokens: $0.02 for one note of 2,000 characters with two accepted medications.
    expect(body).toEqual([
      {
        tenantId: c.id,
        costUsd: '0.02',
        notes: 1,
        characters: 2000,
        acceptedMedications: 2,
        perNoteUsd: '0.02',
        perThousandCharactersUsd: '0.01',
        perAcceptedMedicationUsd: '0.01',
        unpricedEvents: 0,
      },
    ]);
  });

  it('lets only the platform operator add price versions, from now on', async () => {
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const body = {
      engine: 'llm',
      model,
      effectiveFrom: later,
      inputPerMillion: '40',
      outputPerMillion: '80',
      cachedInputPerMillion: null,
      perModelSecond: null,
    };
    // A price version prices every tenant: no tenant key may add one, not even a tenant's admin.
    for (const key of [a.keys.finance, a.keys.admin]) {
      const refused = await api(key, '/v1/finance/prices', { method: 'POST', body: JSON.stringify(body) });
      expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    }
    const created = await api(operator, '/v1/finance/prices', { method: 'POST', body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ model, version: 3, inputPerMillion: '40' });
    expect(created.body.createdBy).toMatch(/^operator key [0-9a-f-]{36}$/);
    const past = await api(operator, '/v1/finance/prices', {
      method: 'POST',
      body: JSON.stringify({ ...body, effectiveFrom: '2026-11-01T00:00:00Z' }),
    });
    expect(past.body.code).toBe('PRICE_EFFECTIVE_IN_PAST');
    const listed = await api(a.keys.finance, '/v1/finance/prices');
    expect(
      listed.body.filter((p: { model: string }) => p.model === model).map((p: { version: number }) => p.version),
    ).toEqual([3, 2, 1]);
    // The November events above were recorded before: they keep their price.
    const spend = await api(a.keys.finance, '/v1/finance/daily-spend?from=2026-11-14&to=2026-11-15');
    expect(spend.body.totals.costUsd).toBe('0.08');
  });

  it('falls back to NER at the hard limit and delivers each threshold alert once', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const now = () => new Date().toISOString();
    const setBudget = await api(c.keys.finance, `/v1/finance/budgets/${c.id}/${month}`, {
      method: 'PUT',
      body: JSON.stringify({ softLimitUsd: null, hardLimitUsd: '0.05' }),
    });
    expect(setBudget.status).toBe(200);
    const hook = await api(c.keys.finance, `/v1/finance/webhooks/${c.id}`, {
      method: 'PUT',
      body: JSON.stringify({ url: webhook.url }),
    });
    expect(hook.status).toBe(204);
    const submit = async (externalId: string) => {
      const r = await api(c.keys.submitter, '/v1/notes', {
        method: 'POST',
        body: JSON.stringify({ externalId, text: 'Metformin 500 mg twice daily.', engine: 'llm' }),
      });
      expect(r.status).toBe(202);
      return (await api(c.keys.submitter, `/v1/notes/${r.body.id}`)).body;
    };
    const mine = () => webhook.received.filter((r) => r.tenantId === c.id).map((r) => r.thresholdPercent);

    // Two calls at v2's $20/M: $0.04 of $0.05, 80%. The LLM is still used; the 50% and 80% alerts go out.
    await meter.record([event(c.id, now()), event(c.id, now())]);
    const before = await submit(`under-${run}`);
    expect(before.engineFallback).toBeNull();
    await waitFor(async () => (mine().length >= 2 ? true : null), 20_000, 'the 50% and 80% alerts');
    expect(mine().sort()).toEqual([50, 80]);

    // $0.06: over the hard limit. The next LLM request runs the NER engine, and the note says why.
    await meter.record([event(c.id, now())]);
    const after = await submit(`over-${run}`);
    expect(after.engineFallback).toEqual({ reason: 'budget', requestedEngine: 'llm', engine: 'bert-ner' });
    const { rows } = await db.query('SELECT requested_engine, engine_fallback FROM notes WHERE id = $1', [after.id]);
    expect(rows[0]).toEqual({ requested_engine: 'bert-ner', engine_fallback: 'budget' });
    // A retry of the same note is the same note, not a conflict.
    const again = await api(c.keys.submitter, '/v1/notes', {
      method: 'POST',
      body: JSON.stringify({ externalId: `over-${run}`, text: 'Metformin 500 mg twice daily.', engine: 'llm' }),
    });
    expect(again.body.id).toBe(after.id);

    await waitFor(async () => (mine().length >= 3 ? true : null), 20_000, 'the 100% alert');
    // More sweeps (scheduled every 300 ms, and one by hand) deliver nothing twice.
    await gateway.app.get(BudgetAlertService).sweep();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(mine().sort()).toEqual([100, 50, 80]);
    const listed = await api(c.keys.finance, '/v1/finance/alerts');
    expect(listed.body.map((x: { thresholdPercent: number }) => x.thresholdPercent).sort()).toEqual([100, 50, 80]);
    expect(listed.body.every((x: { deliveredAt: string | null }) => x.deliveredAt !== null)).toBe(true);
    const budget = await api(c.keys.finance, '/v1/finance/budgets');
    expect(budget.body).toEqual([
      expect.objectContaining({
        tenantId: c.id,
        month,
        monthToDateUsd: '0.06',
        hardLimitUsd: '0.05',
        state: 'hard_exceeded',
        percentOfBudget: 120,
      }),
    ]);
  }, 60_000);

  it("alerts once when a UTC day's spend passes the multiple of the trailing average, and delivers it once", async () => {
    // Defaults: FINANCE_SPIKE_MULTIPLE 3 over FINANCE_SPIKE_TRAILING_DAYS 7. At v2's $20/M, 1,000 input tokens
    // cost $0.02: seven days of $0.02 before yesterday, then yesterday $0.08 (> 3 × $0.02) and today $0.02.
    const d = await createTestTenant(databaseUrl, 'fin-d');
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const yesterday = day(-1);
    const hook = await api(d.keys.finance, `/v1/finance/webhooks/${d.id}`, {
      method: 'PUT',
      body: JSON.stringify({ url: webhook.url }),
    });
    expect(hook.status).toBe(204);
    const quiet = [-8, -7, -6, -5, -4, -3, -2].map((offset) => event(d.id, `${day(offset)}T12:00:00.000Z`));
    const surge = [1, 2, 3, 4].map((hour) => event(d.id, `${yesterday}T0${hour}:00:00.000Z`));
    await meter.record([...quiet, ...surge, event(d.id, new Date(Date.now() - 1000).toISOString())]);

    const spikes = () => webhook.received.filter((r) => r.tenantId === d.id);
    await waitFor(async () => (spikes().length >= 1 ? true : null), 20_000, 'the spike alert at the webhook');
    // More sweeps (scheduled every 300 ms, and two by hand) neither raise nor deliver it again.
    await gateway.app.get(BudgetAlertService).sweep();
    await gateway.app.get(BudgetAlertService).sweep();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(spikes()).toEqual([
      expect.objectContaining({
        type: 'clinex.finance.alert',
        kind: 'daily_spike',
        month: yesterday.slice(0, 7),
        spendUsd: '0.08',
        limitUsd: '0.06',
        thresholdPercent: null,
      }),
    ]);
    const listed = await api(d.keys.finance, '/v1/finance/alerts');
    expect(listed.body).toEqual([
      expect.objectContaining({ kind: 'daily_spike', deliveryAttempts: 1, deliveredAt: expect.any(String) }),
    ]);
    expect(listed.body[0].message).toBe(`spend on ${yesterday} ($0.08) is above 3× the 7-day average ($0.02)`);
    // Today ($0.02, against a trailing average that now includes yesterday) is no spike: no second alert.
    expect(listed.body.some((a: { message: string }) => a.message.includes(day(0)))).toBe(false);
  }, 60_000);
});
