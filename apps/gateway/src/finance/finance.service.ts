import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '#database';
import { isOperator, type Caller, type OperatorPrincipal, type Principal } from '../auth/principal.js';
import { DestinationPolicy } from '../outbound/destination.policy.js';
import { OutboundError } from '../outbound/outbound.errors.js';
import type {
  AlertView,
  BudgetBody,
  BudgetStatusView,
  DailySpendView,
  PriceVersionBody,
  PriceVersionView,
  ProjectionQuery,
  ProjectionView,
  RangeQuery,
  ScopeQuery,
  TenantView,
  UnitCostView,
} from './finance.dto.js';
import { FinanceError, FinanceErrorCode } from './finance.errors.js';
import { FinanceRepository, type TenantScope } from './finance.repository.js';
import { DAY_MS, monthBounds, monthOf, utcDay } from './finance.time.js';

/** Longest range one request may aggregate. */
export const MAX_RANGE_DAYS = 400;
export const FINANCE_CLOCK = Symbol('FINANCE_CLOCK');
export type Clock = () => Date;
/** How long setting a webhook waits for its host to resolve; a slower name is checked at delivery only. */
const WEBHOOK_DNS_WAIT_MS = 2_000;

/**
 * Finance's figures. Scope: a tenant's finance or admin key sees and changes its own tenant only; the platform
 * operator reads every tenant, or one with `tenantId`, and manages the global price table, but sets no tenant's
 * budget or webhook. Money stays an exact decimal string end to end; unpriced usage is always reported apart.
 */
@Injectable()
export class FinanceService {
  constructor(
    private readonly repo: FinanceRepository,
    @Inject(FINANCE_CLOCK) private readonly now: Clock,
    private readonly destinations: DestinationPolicy,
  ) {}

  async scope(caller: Caller, tenantId: string | undefined): Promise<TenantScope> {
    const wanted = tenantId?.toLowerCase();
    if (!isOperator(caller)) return [this.ownTenant(caller, wanted)];
    if (!wanted) return null;
    if (!(await this.repo.tenantExists(wanted))) {
      throw new FinanceError(FinanceErrorCode.TENANT_NOT_FOUND, 'no tenant with this id', 'tenantId');
    }
    return [wanted];
  }

  /** The tenant a tenant key may name: its own (the same refusal for every other id, existing or not). */
  private ownTenant(principal: Principal, wanted: string | undefined): string {
    if (wanted && wanted !== principal.tenantId) {
      throw new FinanceError(FinanceErrorCode.TENANT_FORBIDDEN, 'a tenant key sees only its own tenant', 'tenantId');
    }
    return principal.tenantId;
  }

  private range(query: { from: string; to: string }): { from: Date; to: Date } {
    let from: Date;
    let last: Date;
    try {
      from = utcDay(query.from);
      last = utcDay(query.to);
    } catch {
      throw new FinanceError(FinanceErrorCode.INVALID_RANGE, 'from and to must be calendar days', 'from');
    }
    const days = (last.getTime() - from.getTime()) / DAY_MS + 1;
    if (days < 1 || days > MAX_RANGE_DAYS) {
      throw new FinanceError(FinanceErrorCode.INVALID_RANGE, `from..to must span 1-${MAX_RANGE_DAYS} days`, 'to');
    }
    return { from, to: new Date(last.getTime() + DAY_MS) };
  }

  async tenants(caller: Caller): Promise<TenantView[]> {
    return this.repo.tenants(await this.scope(caller, undefined));
  }

  async dailySpend(caller: Caller, query: RangeQuery): Promise<DailySpendView> {
    const scope = await this.scope(caller, query.tenantId);
    const { from, to } = this.range(query);
    const { rows, unpriced } = await this.repo.dailySpend(scope, from, to);
    const total = rows.reduce((sum, r) => sum.add(r.costUsd), new Prisma.Decimal(0));
    return {
      from: query.from,
      to: query.to,
      dayBoundary: 'UTC',
      tenantIds: scope === null ? 'all' : [...scope],
      rows,
      unpriced,
      totals: {
        costUsd: trim(total.toFixed(12)),
        pricedEvents: rows.reduce((n, r) => n + r.events, 0),
        unpricedEvents: unpriced.reduce((n, r) => n + r.events, 0),
      },
    };
  }

  /** The daily spend as CSV: one line per group, unpriced groups with `priced=false` and an empty cost. */
  async dailySpendCsv(caller: Caller, query: RangeQuery): Promise<string> {
    const view = await this.dailySpend(caller, query);
    const header =
      'day,tenant_id,engine,model,purpose,priced,events,input_tokens,output_tokens,cached_tokens,model_seconds,cost_usd';
    const line = (r: DailySpendView['unpriced'][number], priced: boolean, cost: string) =>
      [r.day, r.tenantId, r.engine, r.model, r.purpose, priced, r.events, r.inputTokens, r.outputTokens, r.cachedTokens]
        .concat([r.modelSeconds, cost])
        .map((v) => csvField(String(v)))
        .join(',');
    const lines = [
      ...view.rows.map((r) => line(r, true, r.costUsd)),
      ...view.unpriced.map((r) => line(r, false, '')),
    ].sort();
    return `${[header, ...lines].join('\r\n')}\r\n`;
  }

  async unitCosts(caller: Caller, query: RangeQuery): Promise<UnitCostView[]> {
    const scope = await this.scope(caller, query.tenantId);
    const { from, to } = this.range(query);
    return this.repo.unitCosts(scope, from, to);
  }

  async budgetStatus(caller: Caller, query: ScopeQuery): Promise<BudgetStatusView[]> {
    const scope = await this.scope(caller, query.tenantId);
    return this.budgetStatusOf(scope, query.month ?? monthOf(this.now()));
  }

  /** Month-to-date spend against budget, with a run-rate forecast, for each tenant in scope with a budget or spend. */
  async budgetStatusOf(scope: TenantScope, month: string): Promise<BudgetStatusView[]> {
    const { start, end, days } = monthBounds(month);
    const now = this.now();
    const until = now < end ? now : end;
    const [spend, budgets] = await Promise.all([
      this.repo.spendByTenant(scope, start, end),
      this.repo.budgets(scope, month),
    ]);
    const tenants = new Set([...(scope ?? []), ...spend.map((s) => s.tenantId), ...budgets.map((b) => b.tenantId)]);
    const elapsedDays = Math.max((until.getTime() - start.getTime()) / DAY_MS, 1 / 24);
    return [...tenants].sort().map((tenantId): BudgetStatusView => {
      const s = spend.find((x) => x.tenantId === tenantId);
      const b = budgets.find((x) => x.tenantId === tenantId);
      const mtd = new Prisma.Decimal(s?.costUsd ?? '0');
      const limit = b?.hardLimitUsd ?? b?.softLimitUsd ?? null;
      const forecast = now >= end ? mtd : mtd.div(elapsedDays).mul(days);
      const over = (l: string | null | undefined) => l != null && mtd.gte(l);
      return {
        tenantId,
        month,
        monthToDateUsd: trim(mtd.toFixed(12)),
        unpricedEvents: s?.unpricedEvents ?? 0,
        softLimitUsd: b?.softLimitUsd ?? null,
        hardLimitUsd: b?.hardLimitUsd ?? null,
        percentOfBudget:
          limit === null || new Prisma.Decimal(limit).isZero()
            ? null
            : mtd.div(limit).mul(100).toDecimalPlaces(1).toNumber(),
        forecastUsd: forecast.toFixed(2),
        state: !b
          ? 'no_budget'
          : over(b.hardLimitUsd)
            ? 'hard_exceeded'
            : over(b.softLimitUsd)
              ? 'soft_exceeded'
              : 'ok',
      };
    });
  }

  async setBudget(principal: Principal, tenantId: string, month: string, body: BudgetBody): Promise<BudgetStatusView> {
    const tenant = this.ownTenant(principal, tenantId.toLowerCase());
    const { softLimitUsd: soft, hardLimitUsd: hard } = body;
    if (soft !== null && hard !== null && new Prisma.Decimal(hard).lt(soft)) {
      throw new FinanceError(FinanceErrorCode.INVALID_BUDGET, 'the hard limit is below the soft limit', 'hardLimitUsd');
    }
    await this.repo.upsertBudget({ tenantId: tenant, month, softLimitUsd: soft, hardLimitUsd: hard });
    const [status] = await this.budgetStatusOf([tenant], month);
    return status!;
  }

  async setWebhook(principal: Principal, tenantId: string, url: string | null): Promise<void> {
    const tenant = this.ownTenant(principal, tenantId.toLowerCase());
    if (url !== null) {
      try {
        await this.destinations.vet(url, WEBHOOK_DNS_WAIT_MS);
      } catch (err) {
        if (!(err instanceof OutboundError)) throw err;
        throw new FinanceError(
          FinanceErrorCode.WEBHOOK_DESTINATION_FORBIDDEN,
          `webhook refused: ${err.message}`,
          '/url',
        );
      }
    }
    await this.repo.setWebhook(tenant, url);
  }

  async alerts(caller: Caller, query: ScopeQuery): Promise<AlertView[]> {
    return this.repo.alerts(await this.scope(caller, query.tenantId), query.limit ? Number(query.limit) : 100);
  }

  prices(): Promise<PriceVersionView[]> {
    return this.repo.priceVersions();
  }

  async addPrice(operator: OperatorPrincipal, body: PriceVersionBody): Promise<PriceVersionView> {
    const effectiveFrom = new Date(body.effectiveFrom);
    // A minute of grace for clock skew; anything earlier could contradict events already priced.
    if (effectiveFrom.getTime() < this.now().getTime() - 60_000) {
      throw new FinanceError(
        FinanceErrorCode.PRICE_EFFECTIVE_IN_PAST,
        'a new price version must take effect now or later; recorded events keep their price',
        'effectiveFrom',
      );
    }
    const created = await this.repo.addPriceVersion({
      engine: body.engine,
      model: body.model,
      effectiveFrom: effectiveFrom.toISOString(),
      inputPerMillion: body.inputPerMillion,
      outputPerMillion: body.outputPerMillion,
      cachedInputPerMillion: body.cachedInputPerMillion,
      perModelSecond: body.perModelSecond,
      source: body.source ?? null,
      createdBy: `operator key ${operator.apiKeyId}`,
    });
    if (!created) {
      throw new FinanceError(
        FinanceErrorCode.PRICE_VERSION_EXISTS,
        'a version for this engine and model already starts then',
        'effectiveFrom',
      );
    }
    return created;
  }

  /** "What would N notes a day cost with engine E / model M?": today's price × measured usage per note. */
  async projection(caller: Caller, query: ProjectionQuery): Promise<ProjectionView> {
    const scope = await this.scope(caller, query.tenantId);
    const now = this.now();
    const notesPerDay = Number(query.notesPerDay);
    const [price, measured] = await Promise.all([
      this.repo.priceAt(query.engine, query.model, now),
      this.repo.usagePerNote(scope, query.engine, query.model, new Date(now.getTime() - 30 * DAY_MS), now),
    ]);
    const base = { engine: query.engine, model: query.model, notesPerDay, priceVersion: price, measured };
    const none = (reason: string): ProjectionView => ({
      ...base,
      perNoteUsd: null,
      perDayUsd: null,
      per30DaysUsd: null,
      reason,
    });
    if (!price) return none('no price version in effect for this engine and model');
    if (measured.notes === 0) return none('no metered notes for this engine and model in the last 30 days');
    const D = (v: string | null) => (v === null ? null : new Prisma.Decimal(v));
    const input = D(price.inputPerMillion);
    const output = D(price.outputPerMillion);
    const cached = D(price.cachedInputPerMillion) ?? input;
    const perSecond = D(price.perModelSecond);
    const tokens = measured.inputTokens + measured.outputTokens > 0;
    if (tokens && (input === null || output === null)) return none('the price version has no token rates');
    if (measured.modelSeconds > 0 && perSecond === null) return none('the price version has no per-second rate');
    const cachedTokens = Math.min(measured.cachedTokens, measured.inputTokens);
    let perNote = new Prisma.Decimal(0);
    if (tokens) {
      perNote = perNote.add(
        input!
          .mul(measured.inputTokens - cachedTokens)
          .add(cached!.mul(cachedTokens))
          .add(output!.mul(measured.outputTokens))
          .div(1_000_000),
      );
    }
    if (measured.modelSeconds > 0) perNote = perNote.add(perSecond!.mul(measured.modelSeconds));
    const perDay = perNote.mul(notesPerDay);
    return {
      ...base,
      perNoteUsd: trim(perNote.toFixed(8)),
      perDayUsd: perDay.toFixed(2),
      per30DaysUsd: perDay.mul(30).toFixed(2),
      reason: null,
    };
  }
}

const trim = (text: string) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);

function csvField(value: string): string {
  // Quote when needed; a leading =, +, - or @ could run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
