import { Module } from '@nestjs/common';
import { WebhooksModule } from '../outbound/webhooks.module.js';
import { BudgetAlertService } from './budget-alerts.service.js';
import { BudgetGuard } from './budget.guard.js';
import { FinanceController } from './finance.controller.js';
import { FinanceRepository } from './finance.repository.js';
import { FINANCE_CLOCK, FinanceService } from './finance.service.js';
import { FinancePageController } from './page/finance-page.controller.js';

// Owns costs: the finance API and page (spend, budgets, prices, alert webhooks), the budget check and budget alerts.
@Module({
  imports: [WebhooksModule],
  controllers: [FinanceController, FinancePageController],
  providers: [
    { provide: FINANCE_CLOCK, useValue: () => new Date() },
    FinanceRepository,
    FinanceService,
    BudgetGuard,
    BudgetAlertService,
  ],
  exports: [BudgetGuard],
})
export class FinanceModule {}
