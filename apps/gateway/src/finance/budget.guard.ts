import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { FinanceRepository } from './finance.repository.js';
import { FINANCE_CLOCK, type Clock } from './finance.service.js';
import { monthBounds, monthOf } from './finance.time.js';

/**
 * Checked by the gateway when a note asks for the LLM: a tenant whose month-to-date priced spend has reached its
 * hard limit gets BUDGET_FALLBACK_ENGINE instead (`off` keeps the LLM). The check is one indexed sum, run per
 * submit request, so the first LLM request after the limit is crossed already falls back.
 */
@Injectable()
export class BudgetGuard {
  constructor(
    private readonly repo: FinanceRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(FINANCE_CLOCK) private readonly now: Clock,
  ) {}

  async llmFallback(tenantId: string): Promise<{ engine: 'bert-ner' | 'none' } | null> {
    const engine = this.config.BUDGET_FALLBACK_ENGINE;
    if (engine === 'off') return null;
    const month = monthOf(this.now());
    const { start, end } = monthBounds(month);
    return (await this.repo.atHardLimit(tenantId, month, start, end)) ? { engine } : null;
  }
}
