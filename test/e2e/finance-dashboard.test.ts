// Response bodies are read as parsed JSON (untyped) and checked field by field with expect(); the test lint profile allows that.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { createPrismaService, Prisma } from '../../libs/database/src/index.js';
import type { CostEvent } from '../../libs/schemas/src/index.js';
import { CostLedgerRepository } from '../../apps/validator/src/cost-meter/cost-ledger.repository.js';
import { CostMeterService } from '../../apps/validator/src/cost-meter/cost-meter.service.js';
import { launchChromium, openWatchedPage, saveScreenshot, type WatchedPage } from '../support/browser.js';
import { startServiceProcess, waitFor, type ServiceProcess } from '../support/service-process.js';
import { createOperatorKey, createTestTenant, type TestTenant } from '../support/tenant-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// The callbacks of page.$$eval run inside Chromium; the little of the DOM they touch is declared here.
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElement[];
}

const DAY_MS = 86_400_000;
const dayOffset = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
/** Exact decimal in one canonical spelling (no exponent, no trailing zeros), so equal amounts compare equal. */
const usd = (value: string | Prisma.Decimal) => new Prisma.Decimal(value).toFixed();
const sum = (values: string[]) => usd(values.reduce((s, v) => s.add(v), new Prisma.Decimal(0)));
/** The figure a person reads ("$1,234.56", "≥ $0.0135") as a number. */
const shown = (text: string | null) => Number((text ?? '').replace(/[^0-9.]/g, ''));

interface SpendRow {
  day: string;
  tenantId: string;
  engine: string;
  model: string;
  events: number;
  costUsd: string;
}

/**
 * Acceptance 2 of the finance issue, in real headless Chromium against the built gateway running as its own
 * process: a finance user opens /finance, picks a range of UTC days, and sees a chart and tables whose figures are
 * those of GET /v1/finance/daily-spend; downloads the CSV (byte for byte the API's); runs a projection; and a
 * finance key of another tenant sees none of the first tenant's figures. Cost events are priced and written by the
 * validator's own cost meter (its repository over the real database), with the price table the migrations seed.
 */
describe('finance dashboard in headless Chromium', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const run = randomUUID().slice(0, 8);
  const db = new pg.Client({ connectionString: databaseUrl });
  const prisma = createPrismaService(databaseUrl, 2);
  const meter = new CostMeterService(new CostLedgerRepository(prisma));
  const range = { from: dayOffset(-7), to: dayOffset(-1) };
  const unpricedModel = `local-llama-${run}`;
  let hospital: TestTenant;
  let clinic: TestTenant;
  /** The platform operator's key (issue 21): the only one whose dashboard spans tenants. */
  let operatorKey: string;
  let gateway: ServiceProcess;
  let webhook: WebhookReceiver<{ tenantId: string; kind: string }>;
  let browser: Browser;
  const pages: WatchedPage[] = [];

  const api = async (key: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${gateway.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: type.includes('json') && text ? JSON.parse(text) : text };
  };

  /** A pool of accepted notes (synthetic text) with two accepted medications each for the first `withMeds`. */
  async function seedNotes(tenantId: string, count: number, withMeds: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    await db.query(
      `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status)
       SELECT id, $2::uuid, 'dash-${run}-' || ord, repeat('Synthetic follow-up visit note. ', 20 + (ord % 30)::int),
              'llm', 'accepted'
         FROM unnest($1::uuid[]) WITH ORDINALITY AS n(id, ord)`,
      [ids, tenantId],
    );
    await db.query(
      `WITH e AS (
         INSERT INTO extractions (id, tenant_id, note_id, engine_name, engine_model, engine_version, status, payload)
         SELECT gen_random_uuid(), $2::uuid, id, 'llm', 'gpt-4o', '1', 'accepted', '{}'::jsonb
           FROM unnest($1::uuid[]) AS n(id)
         RETURNING id)
       INSERT INTO extraction_medications (id, tenant_id, extraction_id, position, name, status, confidence)
       SELECT gen_random_uuid(), $2::uuid, e.id, p, 'metformin', 'active', 0.9 FROM e, generate_series(0, 1) AS p`,
      [ids.slice(0, withMeds), tenantId],
    );
    return ids;
  }

  /** `count` events of one engine/model on a day (spread over its hours), each for a note of the pool. */
  function events(
    tenantId: string,
    notes: string[],
    day: string,
    count: number,
    usage: Partial<CostEvent> & Pick<CostEvent, 'engine' | 'model'>,
  ): CostEvent[] {
    return Array.from({ length: count }, (_, i) => ({
      version: 2,
      eventId: randomUUID(),
      tenantId,
      noteId: notes[(i * 7 + day.charCodeAt(9)) % notes.length]!,
      purpose: 'extraction',
      inputTokens: 0,
      outputTokens: 0,
      cachedTokens: 0,
      modelSeconds: 0,
      occurredAt: new Date(Date.parse(`${day}T00:00:00Z`) + ((i * 997) % 86_000) * 1000).toISOString(),
      ...usage,
    }));
  }

  beforeAll(async () => {
    await db.connect();
    hospital = await createTestTenant(databaseUrl, 'dash-hospital');
    clinic = await createTestTenant(databaseUrl, 'dash-clinic');
    operatorKey = (await createOperatorKey(databaseUrl, 'dashboard operator')).key;
    const hospitalNotes = await seedNotes(hospital.id, 400, 150);
    const clinicNotes = await seedNotes(clinic.id, 60, 0);

    // The hospital: gpt-4o and gpt-4o-mini extractions with some repairs, the NER engine on seconds, an unpriced
    // local model on two days, and yesterday a gpt-4o surge: a spike over the trailing average.
    const gpt4o = { engine: 'llm', model: 'gpt-4o', inputTokens: 3200, outputTokens: 650, cachedTokens: 800 };
    const mini = { engine: 'llm', model: 'gpt-4o-mini', inputTokens: 2800, outputTokens: 500 };
    const ner = { engine: 'bert-ner', model: 'clinex-bert-ner', modelSeconds: 0.9 };
    for (let offset = -7; offset <= -1; offset++) {
      const day = dayOffset(offset);
      const i = offset + 7;
      await meter.record([
        ...events(hospital.id, hospitalNotes, day, offset === -1 ? 600 : 110 + 15 * i, gpt4o),
        ...events(hospital.id, hospitalNotes, day, 280 + 20 * i, mini),
        ...events(hospital.id, hospitalNotes, day, 12 + i, { ...mini, purpose: 'repair', inputTokens: 900 }),
        ...events(hospital.id, hospitalNotes, day, 400, ner),
        ...(offset === -5 || offset === -2
          ? events(hospital.id, hospitalNotes, day, 9, { engine: 'llm', model: unpricedModel, inputTokens: 3000 })
          : []),
      ]);
      // The clinic: a little gpt-4.1-mini only, every other day.
      if (offset % 2 === 0) {
        await meter.record(
          events(clinic.id, clinicNotes, day, 40 + i, {
            engine: 'llm',
            model: 'gpt-4.1-mini',
            inputTokens: 2500,
            outputTokens: 400,
          }),
        );
      }
    }
    // Some of today, so the month to date is never empty (even on the 1st).
    await meter.record(
      events(hospital.id, hospitalNotes, dayOffset(0), 50, mini).map((e) => ({
        ...e,
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
      })),
    );

    webhook = await startWebhookReceiver('/finance-alerts');
    gateway = await startServiceProcess('gateway', {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      LOG_LEVEL: 'info', // the start line, which startServiceProcess waits for, is an info line
      FINANCE_ALERT_INTERVAL_MS: '400',
      // The receiver is on this host: an internal receiver the operator allows (refused by default).
      WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32',
      WEBHOOK_ALLOWED_PORTS: String(webhook.port),
    });

    // A budget the month to date has passed 80 % of, with a soft limit below it, and a webhook for the alerts.
    const month = dayOffset(0).slice(0, 7);
    const { body: before } = await api(hospital.keys.finance, '/v1/finance/budgets');
    const mtd = new Prisma.Decimal(before[0].monthToDateUsd);
    const budget = await api(hospital.keys.finance, `/v1/finance/budgets/${hospital.id}/${month}`, {
      method: 'PUT',
      body: JSON.stringify({ softLimitUsd: mtd.mul(0.9).toFixed(6), hardLimitUsd: mtd.mul(1.2).toFixed(6) }),
    });
    expect(budget.status).toBe(200);
    const hook = await api(hospital.keys.finance, `/v1/finance/webhooks/${hospital.id}`, {
      method: 'PUT',
      body: JSON.stringify({ url: webhook.url }),
    });
    expect(hook.status).toBe(204);
    await waitFor(
      async () => {
        const { body } = await api(hospital.keys.finance, '/v1/finance/alerts');
        const kinds = body.map((a: { kind: string }) => a.kind).sort();
        const delivered = body.every((a: { deliveredAt: string | null }) => a.deliveredAt !== null);
        return kinds.join() === 'budget,budget,daily_spike,soft_limit' && delivered ? true : null;
      },
      20_000,
      'the budget, soft-limit and spike alerts to be raised and delivered',
    );
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await webhook?.close();
    await prisma.onApplicationShutdown();
    await db.end();
  });

  async function openDashboard(key: string): Promise<WatchedPage> {
    const watched = await openWatchedPage(browser, gateway.url, { width: 1440, height: 1200 });
    pages.push(watched);
    await watched.page.goto(`${gateway.url}/finance`);
    await watched.page.fill('#api-key', key);
    await watched.page.click('#sign-in');
    await watched.page.waitForSelector('#dashboard[aria-busy="false"] #total-spend');
    return watched;
  }

  async function pickRange(page: Page): Promise<void> {
    await page.fill('#range-from', range.from);
    await page.fill('#range-to', range.to);
    await page.click('#range-apply');
    await page.waitForSelector(`#dashboard[data-range="${range.from}..${range.to}"][aria-busy="false"]`);
  }

  const legend = (page: Page) =>
    page.$$eval('#chart-legend li', (els: PageElement[]) =>
      els.map((el) => ({
        series: el.dataset['series']!,
        usd: el.dataset['usd']!,
        text: el.querySelector('.legend-total')!.textContent,
      })),
    );

  /** The API's daily spend, summed per series (engine · model) and per series and day. */
  function expectedSeries(rows: SpendRow[]) {
    const totals = new Map<string, string[]>();
    const perDay = new Map<string, string[]>();
    for (const r of rows) {
      const name = `${r.engine} · ${r.model}`;
      totals.set(name, [...(totals.get(name) ?? []), r.costUsd]);
      perDay.set(`${name}|${r.day}`, [...(perDay.get(`${name}|${r.day}`) ?? []), r.costUsd]);
    }
    return {
      totals: Object.fromEntries([...totals].map(([k, v]) => [k, sum(v)])),
      perDay: (name: string, day: string) => sum(perDay.get(`${name}|${day}`) ?? []),
    };
  }

  it('shows a finance user the figures of GET /v1/finance/daily-spend for the picked UTC days', async () => {
    const { page, errors, foreignRequests, requests } = await openDashboard(hospital.keys.finance);
    expect(await page.textContent('#utc-note')).toMatch(/UTC/);
    await pickRange(page);

    const query = `from=${range.from}&to=${range.to}`;
    const { body: spend } = await api(hospital.keys.finance, `/v1/finance/daily-spend?${query}`);
    const { body: units } = await api(hospital.keys.finance, `/v1/finance/unit-costs?${query}`);
    expect(spend.rows.length).toBeGreaterThan(20);
    expect(spend.totals.unpricedEvents).toBe(18);

    // The chart: one series per engine/model with priced spend, its total the API's sum, drawn on a canvas.
    const expected = expectedSeries(spend.rows);
    const series = await legend(page);
    expect(Object.fromEntries(series.map((s) => [s.series, usd(s.usd)]))).toEqual(expected.totals);
    expect(series.map((s) => s.series).sort()).toEqual([
      'bert-ner · clinex-bert-ner',
      'llm · gpt-4o',
      'llm · gpt-4o-mini',
    ]);
    for (const s of series) expect(shown(s.text)).toBeCloseTo(Number(s.usd), 2);
    expect(await page.locator('#spend-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.$eval('#spend-chart canvas', (c: { width: number }) => c.width)).toBeGreaterThan(300);

    // The chart's own figures, day by day (the table behind the chart), equal the API's per day and series.
    const grid = await page.$$eval('#chart-table thead th, #chart-table tbody tr', (els: PageElement[]) =>
      els.map((el) =>
        el.querySelectorAll('th, td').length
          ? [...el.querySelectorAll('th, td')].map((c) => c.dataset['usd'] ?? c.textContent ?? '')
          : [el.textContent ?? ''],
      ),
    );
    const header = grid.filter((r) => r.length === 1).map((r) => r[0]!);
    const body = grid.filter((r) => r.length > 1);
    expect(header).toEqual(['Day (UTC)', ...series.map((s) => s.series)]);
    expect(body.map((r) => r[0])).toEqual(Array.from({ length: 7 }, (_, i) => dayOffset(i - 7)));
    for (const [day, ...cells] of body) {
      expect(cells.map(usd)).toEqual(header.slice(1).map((name) => expected.perDay(name, day!)));
    }

    // The tenant table and the totals: spend, events and unit costs as the API gives them.
    expect(usd((await page.getAttribute('#total-spend', 'data-usd'))!)).toBe(usd(spend.totals.costUsd));
    expect(await page.textContent('#total-unpriced-events')).toBe('18');
    const rows = await page.$$eval('#tenant-table tbody tr', (els: PageElement[]) =>
      els.map((el) => {
        const cell = (col: string) => el.querySelector(`[data-col="${col}"]`)!;
        return {
          tenantId: el.dataset['tenantId'],
          spend: cell('spend').querySelector('.usd')!.dataset['usd'],
          spendText: cell('spend').textContent,
          pricedEvents: cell('priced-events').textContent,
          unpricedEvents: cell('unpriced-events').textContent,
          notes: cell('notes').textContent,
          perNote: cell('per-note').querySelector('.usd')?.dataset['usd'],
          perThousand: cell('per-1000-chars').querySelector('.usd')?.dataset['usd'],
          perMedication: cell('per-accepted-medication').querySelector('.usd')?.dataset['usd'],
        };
      }),
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    const [unit] = units;
    expect(row!.tenantId).toBe(hospital.id);
    expect(usd(row!.spend!)).toBe(usd(spend.totals.costUsd));
    expect(shown(row!.spendText)).toBeCloseTo(Number(spend.totals.costUsd), 2);
    expect(Number(row!.pricedEvents!.replace(/,/g, ''))).toBe(spend.totals.pricedEvents);
    expect(row!.unpricedEvents).toBe('18');
    expect(Number(row!.notes!.replace(/,/g, ''))).toBe(unit.notes);
    expect([row!.perNote, row!.perThousand, row!.perMedication].map((v) => usd(v!))).toEqual(
      [unit.perNoteUsd, unit.perThousandCharactersUsd, unit.perAcceptedMedicationUsd].map(usd),
    );

    // Unpriced usage is listed apart, with no amount: never as $0.
    const unpriced = await page.textContent('#unpriced-table tbody');
    expect(unpriced).toContain(unpricedModel);
    expect(unpriced).toContain('no price');
    expect(unpriced).not.toMatch(/\$/);

    // Budget gauge and alerts, as the API has them.
    const { body: budgets } = await api(hospital.keys.finance, '/v1/finance/budgets');
    const gauge = page.locator(`article.budget[data-tenant-id="${hospital.id}"]`);
    expect(await gauge.getAttribute('class')).toContain('state-soft_exceeded');
    expect(usd((await gauge.locator('.usd').first().getAttribute('data-usd'))!)).toBe(usd(budgets[0].monthToDateUsd));
    expect(await gauge.locator('[role="meter"]').getAttribute('aria-valuenow')).toBe(budgets[0].monthToDateUsd);
    const kinds = await page.$$eval('#alerts li', (els: PageElement[]) => els.map((el) => el.dataset['kind']));
    expect(kinds.sort()).toEqual(['budget', 'budget', 'daily_spike', 'soft_limit']);
    expect(await page.textContent('#alerts')).toMatch(new RegExp(`spend on ${dayOffset(-1)}`));
    expect(webhook.received.filter((h) => h.tenantId === hospital.id)).toHaveLength(4);

    // The CSV export downloads exactly what the API sends.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(download.suggestedFilename()).toBe(`clinex-spend-${range.from}-${range.to}.csv`);
    const csv = await readFile(await download.path(), 'utf8');
    const { body: apiCsv } = await api(hospital.keys.finance, `/v1/finance/daily-spend?${query}&format=csv`);
    expect(csv).toBe(apiCsv);
    // Unpriced lines: priced=false and an empty cost, never 0.
    expect(csv.split('\r\n').filter((l) => l.includes(`,${unpricedModel},`))).toEqual(
      [-5, -2].map((o) => `${dayOffset(o)},${hospital.id},llm,${unpricedModel},extraction,false,9,27000,0,0,0,`),
    );
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    expect(JSON.parse(await readFile(await json.path(), 'utf8'))).toEqual(spend);

    // Offline and private: nothing from elsewhere, no errors, the key in no URL.
    expect(foreignRequests).toEqual([]);
    expect(errors).toEqual([]);
    for (const url of requests) expect(url).not.toContain(hospital.keys.finance.slice(-12));
  });

  // Continues the session above.
  it('projects what N notes a day would cost from the price table and measured usage', async () => {
    const { page, errors } = pages[0]!;
    await page.fill('#projection-notes', '2500');
    await page.selectOption('#projection-engine', 'llm');
    await page.selectOption('#projection-model', 'gpt-4o');
    await page.click('#projection-run');
    await page.waitForSelector('#projection-result [data-state="projected"]');
    const { body: projection } = await api(
      hospital.keys.finance,
      '/v1/finance/projection?notesPerDay=2500&engine=llm&model=gpt-4o',
    );
    expect(projection.reason).toBeNull();
    const figure = async (id: string) => usd((await page.getAttribute(id, 'data-usd'))!);
    expect(await figure('#projection-per-note')).toBe(usd(projection.perNoteUsd));
    expect(await figure('#projection-per-day')).toBe(usd(projection.perDayUsd));
    expect(await figure('#projection-per-30-days')).toBe(usd(projection.per30DaysUsd));
    expect(await page.textContent('#projection-basis')).toMatch(/price version 1/);
    await page.mouse.move(700, 420); // over the chart: the hover line names a day
    await saveScreenshot(page, 'finance-dashboard.png');
    expect(errors).toEqual([]);
  });

  it('serves the page and its files from the gateway: no data in them, a strict CSP, ETag revalidation', async () => {
    const shell = await fetch(`${gateway.url}/finance`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self' 'sha256-/);
    expect(shell.headers.get('cache-control')).toBe('no-store');
    const html = await shell.text();
    for (const file of ['finance-app.js', 'finance.css', 'uplot.css'])
      expect(html).toContain(`/finance/assets/${file}`);
    const chart = await fetch(`${gateway.url}/finance/assets/uplot.mjs`);
    expect(chart.headers.get('content-type')).toMatch(/^text\/javascript/);
    const etag = chart.headers.get('etag')!;
    const again = await fetch(`${gateway.url}/finance/assets/uplot.mjs`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const missing = await fetch(`${gateway.url}/finance/assets/..%2F..%2Fpackage.json`);
    expect(missing.status).toBe(404);
  });

  it("keeps another tenant's finance user to its own figures", async () => {
    const { page, errors } = await openDashboard(clinic.keys.finance);
    await pickRange(page);
    const { body: spend } = await api(clinic.keys.finance, `/v1/finance/daily-spend?from=${range.from}&to=${range.to}`);
    expect(spend.tenantIds).toEqual([clinic.id]);
    const series = await legend(page);
    expect(Object.fromEntries(series.map((s) => [s.series, usd(s.usd)]))).toEqual(expectedSeries(spend.rows).totals);
    expect(series.map((s) => s.series)).toEqual(['llm · gpt-4.1-mini']);
    expect(
      await page.$$eval('#tenant-table tbody tr', (els: PageElement[]) => els.map((el) => el.dataset['tenantId'])),
    ).toEqual([clinic.id]);
    expect(usd((await page.getAttribute('#total-spend', 'data-usd'))!)).toBe(usd(spend.totals.costUsd));
    expect(await page.textContent('#unpriced-none')).toMatch(/has a price/);
    expect(await page.textContent('#alerts-none')).toBe('No alerts.');
    const text = (await page.textContent('body'))!;
    expect(text).not.toContain(hospital.id);
    expect(text).not.toContain(hospital.slug);
    expect(text).not.toContain(unpricedModel);
    expect(await page.locator('#tenant').count()).toBe(0); // one tenant: no tenant picker
    expect(errors).toEqual([]);
  });

  it("keeps a tenant's admin to its own tenant's figures, like its finance users", async () => {
    const { page, errors } = await openDashboard(hospital.keys.admin);
    await pickRange(page);
    expect(
      await page.$$eval('#tenant-table tbody tr', (els: PageElement[]) => els.map((el) => el.dataset['tenantId'])),
    ).toEqual([hospital.id]);
    const text = (await page.textContent('body'))!;
    expect(text).not.toContain(clinic.id);
    expect(text).not.toContain(clinic.slug);
    expect(text).not.toContain('gpt-4.1-mini');
    expect(await page.locator('#tenant').count()).toBe(0); // one tenant: no tenant picker
    expect(errors).toEqual([]);
  });

  it('lets the platform operator see every tenant, or pick one', async () => {
    const { page, errors } = await openDashboard(operatorKey);
    await pickRange(page);
    const tenantRow = (id: string) => page.locator(`#tenant-table tr[data-tenant-id="${id}"] [data-col="spend"] .usd`);
    for (const tenant of [hospital, clinic]) {
      const { body } = await api(tenant.keys.finance, `/v1/finance/daily-spend?from=${range.from}&to=${range.to}`);
      expect(usd((await tenantRow(tenant.id).getAttribute('data-usd'))!)).toBe(usd(body.totals.costUsd));
    }
    await saveScreenshot(page, 'finance-dashboard-operator.png');
    await page.selectOption('#tenant', clinic.id);
    await page.waitForSelector(`#dashboard[data-tenant="${clinic.id}"][aria-busy="false"]`);
    expect(
      await page.$$eval('#tenant-table tbody tr', (els: PageElement[]) => els.map((el) => el.dataset['tenantId'])),
    ).toEqual([clinic.id]);
    expect(errors).toEqual([]);
  });
});
