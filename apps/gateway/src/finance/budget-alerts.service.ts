import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_LOGGER } from '../gateway.tokens.js';
import { OutboundError } from '../outbound/outbound.errors.js';
import { WebhookSender } from '../outbound/webhook.sender.js';
import { FinanceRepository, type NewAlert } from './finance.repository.js';
import { FINANCE_CLOCK, FinanceService, type Clock } from './finance.service.js';
import { FinanceErrorCode } from './finance.errors.js';
import { DAY_MS, monthOf, utcDay } from './finance.time.js';

export const BUDGET_THRESHOLDS = [50, 80, 100] as const;
const DELIVERY_LEASE_MS = 30_000;

/**
 * Raises budget alerts (50/80/100% of the month's budget, the soft limit) and daily-spike alerts (a UTC day's
 * spend above FINANCE_SPIKE_MULTIPLE × the trailing average), each once per tenant and key (a unique index), then
 * POSTs undelivered ones to the tenant's webhook. Runs every FINANCE_ALERT_INTERVAL_MS; safe on many gateways.
 */
@Injectable()
export class BudgetAlertService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly repo: FinanceRepository,
    private readonly finance: FinanceService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    @Inject(FINANCE_CLOCK) private readonly now: Clock,
    private readonly webhooks: WebhookSender,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.FINANCE_ALERT_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.sweep()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ err }, 'finance alert sweep failed; next interval retries'))
      .finally(() => (this.running = null));
    await this.running;
  }

  /** One evaluation and delivery round; returns how many alerts were raised and delivered. */
  async sweep(): Promise<{ raised: number; delivered: number }> {
    const raised = (await this.evaluateBudgets()) + (await this.evaluateSpikes());
    return { raised, delivered: await this.deliver() };
  }

  private async evaluateBudgets(): Promise<number> {
    const month = monthOf(this.now());
    let raised = 0;
    for (const status of await this.finance.budgetStatusOf(null, month)) {
      if (status.state === 'no_budget') continue;
      const alerts: NewAlert[] = [];
      const limit = status.hardLimitUsd ?? status.softLimitUsd;
      const percent = status.percentOfBudget ?? 0;
      for (const threshold of BUDGET_THRESHOLDS) {
        if (limit === null || percent < threshold) continue;
        alerts.push({
          tenantId: status.tenantId,
          dedupeKey: `budget:${month}:${threshold}`,
          kind: 'budget',
          month,
          thresholdPercent: threshold,
          spendUsd: status.monthToDateUsd,
          limitUsd: limit,
          message: `month-to-date spend $${status.monthToDateUsd} reached ${threshold}% of the ${month} budget $${limit}`,
        });
      }
      if (status.hardLimitUsd !== null && status.softLimitUsd !== null && status.state !== 'ok') {
        alerts.push({
          tenantId: status.tenantId,
          dedupeKey: `soft:${month}`,
          kind: 'soft_limit',
          month,
          thresholdPercent: null,
          spendUsd: status.monthToDateUsd,
          limitUsd: status.softLimitUsd,
          message: `month-to-date spend $${status.monthToDateUsd} passed the soft limit $${status.softLimitUsd}`,
        });
      }
      for (const alert of alerts) if (await this.repo.raiseAlert(alert)) raised++;
    }
    return raised;
  }

  /** Today (so far) and yesterday against the FINANCE_SPIKE_TRAILING_DAYS before each. */
  private async evaluateSpikes(): Promise<number> {
    const trailing = this.config.FINANCE_SPIKE_TRAILING_DAYS;
    const today = utcDay(this.now().toISOString().slice(0, 10));
    const from = new Date(today.getTime() - (trailing + 1) * DAY_MS);
    const totals = await this.repo.dailyTotals(from, new Date(today.getTime() + DAY_MS));
    const byTenant = new Map<string, Map<string, number>>();
    for (const t of totals) {
      const days = byTenant.get(t.tenantId) ?? new Map<string, number>();
      days.set(t.day, t.costUsd);
      byTenant.set(t.tenantId, days);
    }
    let raised = 0;
    for (const [tenantId, days] of byTenant) {
      for (const offset of [0, 1]) {
        const day = new Date(today.getTime() - offset * DAY_MS);
        const key = day.toISOString().slice(0, 10);
        const spend = days.get(key) ?? 0;
        let sum = 0;
        for (let i = 1; i <= trailing; i++) {
          sum += days.get(new Date(day.getTime() - i * DAY_MS).toISOString().slice(0, 10)) ?? 0;
        }
        const average = sum / trailing;
        if (average <= 0 || spend <= average * this.config.FINANCE_SPIKE_MULTIPLE) continue;
        const isNew = await this.repo.raiseAlert({
          tenantId,
          dedupeKey: `spike:${key}`,
          kind: 'daily_spike',
          month: key.slice(0, 7),
          thresholdPercent: null,
          spendUsd: spend.toFixed(6),
          limitUsd: (average * this.config.FINANCE_SPIKE_MULTIPLE).toFixed(6),
          message:
            `spend on ${key} ($${spend.toFixed(2)}) is above ${this.config.FINANCE_SPIKE_MULTIPLE}× ` +
            `the ${trailing}-day average ($${average.toFixed(2)})`,
        });
        if (isNew) raised++;
      }
    }
    return raised;
  }

  private async deliver(): Promise<number> {
    let delivered = 0;
    for (const alert of await this.repo.claimUndelivered(DELIVERY_LEASE_MS)) {
      const { webhookUrl, ...body } = alert;
      try {
        await this.webhooks.postJson(
          webhookUrl,
          { type: 'clinex.finance.alert', ...body, deliveryAttempts: undefined },
          { userAgent: 'clinex-finance-alerts', timeoutMs: this.config.FINANCE_WEBHOOK_TIMEOUT_MS },
        );
        await this.repo.markDelivery(alert.id, null);
        delivered++;
      } catch (err) {
        // A destination refused now (its name resolves somewhere forbidden, or the URL predates the policy) is
        // recorded like any failed delivery, with the code, and tried again next interval like one.
        if (err instanceof OutboundError) {
          this.logger.warn({ alertId: alert.id, tenantId: alert.tenantId, reason: err.message }, 'webhook refused');
        }
        const reason =
          err instanceof OutboundError
            ? `${FinanceErrorCode.WEBHOOK_DESTINATION_FORBIDDEN}: ${err.message}`
            : err instanceof Error
              ? err.message
              : String(err);
        await this.repo.markDelivery(alert.id, reason);
      }
    }
    return delivered;
  }
}
