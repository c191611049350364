import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { insertPriceVersion, Prisma, PrismaService } from '#database';
import type { AlertView, PriceVersionView, SpendRow, TenantView, UnitCostView, UnpricedRow } from './finance.dto.js';

/** Tenants in scope: a list, or null for every tenant (the platform operator). Every query takes it. */
export type TenantScope = readonly string[] | null;

export interface BudgetRecord {
  tenantId: string;
  month: string;
  softLimitUsd: string | null;
  hardLimitUsd: string | null;
}

export interface MonthSpend {
  tenantId: string;
  costUsd: string;
  unpricedEvents: number;
}

export interface NewAlert {
  tenantId: string;
  dedupeKey: string;
  kind: AlertView['kind'];
  month: string;
  thresholdPercent: number | null;
  spendUsd: string;
  limitUsd: string | null;
  message: string;
}

export interface ClaimedAlert extends AlertView {
  webhookUrl: string;
}

export interface UsageAverages {
  notes: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  modelSeconds: number;
}

const scopeSql = (scope: TenantScope, column = Prisma.raw('tenant_id')) =>
  scope === null ? Prisma.empty : Prisma.sql`AND ${column} = ANY(${[...scope]}::uuid[])`;
const num = (v: bigint | number | null) => (v === null ? 0 : Number(v));
const trim = (text: string) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);
const dec = (v: Prisma.Decimal | string | null): string | null => (v === null ? null : trim(v.toString()));

interface SpendSqlRow {
  day: string;
  tenant_id: string;
  engine: string;
  model: string;
  purpose: string;
  unpriced: boolean;
  events: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cached_tokens: bigint;
  model_seconds: number;
  cost_usd: string | null;
}

/** Finance's read side of the cost ledger, plus budgets, alerts and the price table. */
@Injectable()
export class FinanceRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Usage per UTC day, tenant, engine, model and purpose, priced and unpriced apart, for [from, to). One range scan
   * of cost_events_occurred_at_idx (all tenants) or cost_events_tenant_id_occurred_at_idx (one tenant).
   */
  async dailySpend(scope: TenantScope, from: Date, to: Date): Promise<{ rows: SpendRow[]; unpriced: UnpricedRow[] }> {
    const rows = await this.prisma.client.$queryRaw<SpendSqlRow[]>(dailySpendSql(scope, from, to));
    const priced: SpendRow[] = [];
    const unpriced: UnpricedRow[] = [];
    for (const r of rows) {
      const row = {
        day: r.day,
        tenantId: r.tenant_id,
        engine: r.engine,
        model: r.model,
        purpose: r.purpose,
        events: num(r.events),
        inputTokens: num(r.input_tokens),
        outputTokens: num(r.output_tokens),
        cachedTokens: num(r.cached_tokens),
        modelSeconds: r.model_seconds,
      };
      if (r.unpriced || r.cost_usd === null) unpriced.push(row);
      else priced.push({ ...row, costUsd: trim(r.cost_usd) });
    }
    return { rows: priced, unpriced };
  }

  /** Priced spend and unpriced event count per tenant in [from, to). */
  async spendByTenant(scope: TenantScope, from: Date, to: Date): Promise<MonthSpend[]> {
    const rows = await this.prisma.client.$queryRaw<{ tenant_id: string; cost: string | null; unpriced: bigint }[]>`
      SELECT tenant_id::text AS tenant_id, sum(cost_usd)::text AS cost, count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced
        FROM cost_events
       WHERE occurred_at >= ${from} AND occurred_at < ${to} ${scopeSql(scope)}
       GROUP BY tenant_id`;
    return rows.map((r) => ({ tenantId: r.tenant_id, costUsd: trim(r.cost ?? '0'), unpricedEvents: num(r.unpriced) }));
  }

  /**
   * Unit costs per tenant over [from, to): priced cost over the notes that had metered work in the range, their
   * characters, and the medications of their accepted extractions. Note text is only measured, never read out.
   */
  async unitCosts(scope: TenantScope, from: Date, to: Date): Promise<UnitCostView[]> {
    const rows = await this.prisma.client.$queryRaw<
      {
        tenant_id: string;
        cost: string | null;
        unpriced: bigint;
        notes: bigint;
        chars: bigint | null;
        meds: bigint | null;
      }[]
    >`
      WITH spend AS (
        SELECT tenant_id, sum(cost_usd) AS cost, count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced
          FROM cost_events WHERE occurred_at >= ${from} AND occurred_at < ${to} ${scopeSql(scope)}
         GROUP BY tenant_id),
      metered AS (
        SELECT DISTINCT tenant_id, note_id FROM cost_events
         WHERE occurred_at >= ${from} AND occurred_at < ${to} AND note_id IS NOT NULL ${scopeSql(scope)}),
      chars AS (
        SELECT m.tenant_id, count(*) AS notes, sum(char_length(n.text)) AS chars
          FROM metered m JOIN notes n ON n.id = m.note_id AND n.tenant_id = m.tenant_id GROUP BY m.tenant_id),
      meds AS (
        SELECT m.tenant_id, count(em.id) AS meds
          FROM metered m
          JOIN extractions e ON e.note_id = m.note_id AND e.tenant_id = m.tenant_id AND e.status = 'accepted'
          JOIN extraction_medications em ON em.extraction_id = e.id
         GROUP BY m.tenant_id)
      SELECT s.tenant_id::text AS tenant_id, s.cost::text AS cost, s.unpriced,
             coalesce(c.notes, 0) AS notes, c.chars, md.meds
        FROM spend s LEFT JOIN chars c ON c.tenant_id = s.tenant_id LEFT JOIN meds md ON md.tenant_id = s.tenant_id
       ORDER BY s.tenant_id`;
    return rows.map((r) => {
      const cost = new Prisma.Decimal(r.cost ?? '0');
      const notes = num(r.notes);
      const chars = num(r.chars);
      const meds = num(r.meds);
      const per = (d: number) => (d > 0 ? trim(cost.div(d).toDecimalPlaces(6).toFixed(6)) : null);
      return {
        tenantId: r.tenant_id,
        costUsd: trim(cost.toFixed(12)),
        notes,
        characters: chars,
        acceptedMedications: meds,
        perNoteUsd: per(notes),
        perThousandCharactersUsd: per(chars / 1000),
        perAcceptedMedicationUsd: per(meds),
        unpricedEvents: num(r.unpriced),
      };
    });
  }

  async tenants(scope: TenantScope): Promise<TenantView[]> {
    return this.prisma.client.tenant.findMany({
      where: scope === null ? {} : { id: { in: [...scope] } },
      select: { id: true, slug: true, name: true },
      orderBy: { slug: 'asc' },
    });
  }

  async tenantExists(id: string): Promise<boolean> {
    return (await this.prisma.client.tenant.count({ where: { id } })) > 0;
  }

  async budgets(scope: TenantScope, month: string): Promise<BudgetRecord[]> {
    const rows = await this.prisma.client.tenantBudget.findMany({
      where: { month, ...(scope === null ? {} : { tenantId: { in: [...scope] } }) },
    });
    return rows.map((r) => ({
      tenantId: r.tenantId,
      month: r.month,
      softLimitUsd: dec(r.softLimitUsd),
      hardLimitUsd: dec(r.hardLimitUsd),
    }));
  }

  async upsertBudget(budget: BudgetRecord): Promise<void> {
    const data = { softLimitUsd: budget.softLimitUsd, hardLimitUsd: budget.hardLimitUsd, updatedAt: new Date() };
    await this.prisma.client.tenantBudget.upsert({
      where: { tenantId_month: { tenantId: budget.tenantId, month: budget.month } },
      create: { id: randomUUID(), tenantId: budget.tenantId, month: budget.month, ...data },
      update: data,
    });
  }

  /** Is the tenant's priced spend in [from, to) at or above its hard limit for `month`? One indexed sum. */
  async atHardLimit(tenantId: string, month: string, from: Date, to: Date): Promise<boolean> {
    const rows = await this.prisma.client.$queryRaw<{ over: boolean }[]>`
      SELECT coalesce((SELECT sum(cost_usd) FROM cost_events
                        WHERE tenant_id = ${tenantId}::uuid AND occurred_at >= ${from} AND occurred_at < ${to}), 0)
             >= b.hard_limit_usd AS over
        FROM tenant_budgets b
       WHERE b.tenant_id = ${tenantId}::uuid AND b.month = ${month} AND b.hard_limit_usd IS NOT NULL`;
    return rows[0]?.over === true;
  }

  async setWebhook(tenantId: string, url: string | null): Promise<void> {
    await this.prisma.client.tenant.update({ where: { id: tenantId }, data: { alertWebhookUrl: url } });
  }

  /** Spend per tenant and UTC day over [from, to), for spike detection. */
  async dailyTotals(from: Date, to: Date): Promise<{ tenantId: string; day: string; costUsd: number }[]> {
    const rows = await this.prisma.client.$queryRaw<{ tenant_id: string; day: string; cost: number }[]>`
      SELECT tenant_id::text AS tenant_id, to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
             sum(cost_usd)::float8 AS cost
        FROM cost_events
       WHERE occurred_at >= ${from} AND occurred_at < ${to} AND cost_usd IS NOT NULL
       GROUP BY 1, 2`;
    return rows.map((r) => ({ tenantId: r.tenant_id, day: r.day, costUsd: r.cost }));
  }

  /** Raises an alert unless one with the same key exists; true when it is new. */
  async raiseAlert(alert: NewAlert): Promise<boolean> {
    const inserted = await this.prisma.client.$executeRaw`
      INSERT INTO budget_alerts (id, tenant_id, dedupe_key, kind, month, threshold_percent, spend_usd, limit_usd, message)
      VALUES (${randomUUID()}::uuid, ${alert.tenantId}::uuid, ${alert.dedupeKey}, ${alert.kind}, ${alert.month},
              ${alert.thresholdPercent}, ${alert.spendUsd}::numeric, ${alert.limitUsd}::numeric, ${alert.message})
      ON CONFLICT (tenant_id, dedupe_key) DO NOTHING`;
    return inserted === 1;
  }

  /**
   * Claims undelivered alerts of tenants with a webhook: a claim lasts `leaseMs`, so concurrent gateways never post
   * the same alert at once and a crashed delivery is retried after the lease.
   */
  async claimUndelivered(leaseMs: number, limit = 20): Promise<ClaimedAlert[]> {
    const rows = await this.prisma.client.$queryRaw<(AlertSqlRow & { webhook_url: string })[]>`
      UPDATE budget_alerts a
         SET delivery_attempts = a.delivery_attempts + 1, last_attempt_at = now()
        FROM tenants t
       WHERE a.id IN (SELECT b.id FROM budget_alerts b JOIN tenants bt ON bt.id = b.tenant_id
                       WHERE b.delivered_at IS NULL AND bt.alert_webhook_url IS NOT NULL
                         AND (b.last_attempt_at IS NULL
                              OR b.last_attempt_at < now() - make_interval(secs => ${leaseMs / 1000}))
                       ORDER BY b.created_at LIMIT ${limit} FOR UPDATE OF b SKIP LOCKED)
         AND t.id = a.tenant_id
      RETURNING a.*, t.alert_webhook_url AS webhook_url`;
    return rows.map((r) => ({ ...alertView(r), webhookUrl: r.webhook_url }));
  }

  async markDelivery(id: string, error: string | null): Promise<void> {
    await this.prisma.client.budgetAlert.update({
      where: { id },
      data: error === null ? { deliveredAt: new Date(), lastError: null } : { lastError: error.slice(0, 500) },
    });
  }

  async alerts(scope: TenantScope, limit: number): Promise<AlertView[]> {
    const rows = await this.prisma.client.$queryRaw<AlertSqlRow[]>`
      SELECT * FROM budget_alerts WHERE true ${scopeSql(scope)} ORDER BY created_at DESC, id LIMIT ${limit}`;
    return rows.map(alertView);
  }

  async priceVersions(): Promise<PriceVersionView[]> {
    const rows = await this.prisma.client.priceVersion.findMany({
      orderBy: [{ engine: 'asc' }, { model: 'asc' }, { version: 'desc' }],
    });
    return rows.map(priceView);
  }

  /** The version in effect at `at` for an engine and model. */
  async priceAt(engine: string, model: string, at: Date): Promise<PriceVersionView | null> {
    const row = await this.prisma.client.priceVersion.findFirst({
      where: { engine, model, effectiveFrom: { lte: at } },
      orderBy: { effectiveFrom: 'desc' },
    });
    return row ? priceView(row) : null;
  }

  /** Adds the next version (numbered after the highest); null when one already starts at that instant. */
  async addPriceVersion(input: Omit<PriceVersionView, 'id' | 'version'>): Promise<PriceVersionView | null> {
    const row = await insertPriceVersion(this.prisma.client, {
      ...input,
      effectiveFrom: new Date(input.effectiveFrom),
    });
    return row ? priceView(row) : null;
  }

  /** Average metered usage per note of one engine and model over [from, to). */
  async usagePerNote(scope: TenantScope, engine: string, model: string, from: Date, to: Date): Promise<UsageAverages> {
    const rows = await this.prisma.client.$queryRaw<
      { notes: bigint; input: number | null; output: number | null; cached: number | null; seconds: number | null }[]
    >`
      SELECT count(DISTINCT note_id) AS notes,
             (sum(input_tokens)::float8 / nullif(count(DISTINCT note_id), 0)) AS input,
             (sum(output_tokens)::float8 / nullif(count(DISTINCT note_id), 0)) AS output,
             (sum(cached_tokens)::float8 / nullif(count(DISTINCT note_id), 0)) AS cached,
             (sum(model_seconds)::float8 / nullif(count(DISTINCT note_id), 0)) AS seconds
        FROM cost_events
       WHERE engine = ${engine} AND model = ${model} AND note_id IS NOT NULL
         AND occurred_at >= ${from} AND occurred_at < ${to} ${scopeSql(scope)}`;
    const r = rows[0];
    return {
      notes: num(r?.notes ?? 0),
      inputTokens: r?.input ?? 0,
      outputTokens: r?.output ?? 0,
      cachedTokens: r?.cached ?? 0,
      modelSeconds: r?.seconds ?? 0,
    };
  }
}

/** The dashboard's main query, exported so the benchmark times and EXPLAINs exactly this SQL. */
export function dailySpendSql(scope: TenantScope, from: Date, to: Date): Prisma.Sql {
  return Prisma.sql`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, tenant_id::text AS tenant_id, engine, model, purpose, unpriced,
           events, input_tokens, output_tokens, cached_tokens, model_seconds, cost_usd::text AS cost_usd
      FROM (SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AS day, tenant_id, engine, model, purpose,
                   cost_usd IS NULL AS unpriced, count(*) AS events,
                   sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
                   sum(cached_tokens)::bigint AS cached_tokens, sum(model_seconds)::float8 AS model_seconds,
                   sum(cost_usd) AS cost_usd
              FROM cost_events
             WHERE occurred_at >= ${from} AND occurred_at < ${to} ${scopeSql(scope)}
             GROUP BY 1, 2, 3, 4, 5, 6) g
     ORDER BY 1, 2, 3, 4, 5`;
}

interface AlertSqlRow {
  id: string;
  tenant_id: string;
  kind: string;
  month: string;
  threshold_percent: number | null;
  spend_usd: Prisma.Decimal | string;
  limit_usd: Prisma.Decimal | string | null;
  message: string;
  created_at: Date;
  delivered_at: Date | null;
  delivery_attempts: number;
  last_error: string | null;
}

function alertView(r: AlertSqlRow): AlertView {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    kind: r.kind as AlertView['kind'],
    month: r.month,
    thresholdPercent: r.threshold_percent,
    spendUsd: dec(r.spend_usd) ?? '0',
    limitUsd: dec(r.limit_usd),
    message: r.message,
    createdAt: r.created_at.toISOString(),
    deliveredAt: r.delivered_at?.toISOString() ?? null,
    deliveryAttempts: r.delivery_attempts,
    lastError: r.last_error,
  };
}

function priceView(r: {
  id: string;
  engine: string;
  model: string;
  version: number;
  effectiveFrom: Date;
  inputPerMillion: Prisma.Decimal | null;
  outputPerMillion: Prisma.Decimal | null;
  cachedInputPerMillion: Prisma.Decimal | null;
  perModelSecond: Prisma.Decimal | null;
  source: string | null;
  createdBy: string | null;
}): PriceVersionView {
  return {
    id: r.id,
    engine: r.engine,
    model: r.model,
    version: r.version,
    effectiveFrom: r.effectiveFrom.toISOString(),
    inputPerMillion: dec(r.inputPerMillion),
    outputPerMillion: dec(r.outputPerMillion),
    cachedInputPerMillion: dec(r.cachedInputPerMillion),
    perModelSecond: dec(r.perModelSecond),
    source: r.source,
    createdBy: r.createdBy,
  };
}
