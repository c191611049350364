import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { CurrentCaller, CurrentOperator, CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { OPERATOR, type Caller, type OperatorPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.guard.js';
import { ApiProblems } from '../docs/openapi.decorators.js';
import { ContractPipe, UuidPipe } from '../http/request-validation.js';
import {
  BudgetBodySchema,
  PriceVersionBodySchema,
  ProjectionQuerySchema,
  RangeQuerySchema,
  ScopeQuerySchema,
  WebhookBodySchema,
  type AlertView,
  type BudgetBody,
  type BudgetStatusView,
  type DailySpendView,
  type PriceVersionBody,
  type PriceVersionView,
  type ProjectionQuery,
  type ProjectionView,
  type RangeQuery,
  type ScopeQuery,
  type TenantView,
  type UnitCostView,
  type WebhookBody,
} from './finance.dto.js';
import { FinanceService } from './finance.service.js';

const MonthSchema = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' });

/**
 * Finance's API. A tenant's finance or admin key sees and sets its own tenant only; the platform operator (a key of
 * no tenant, made with the CLI) reads every tenant, or one with the `tenantId` query parameter, and adds price
 * versions, which price every tenant. Days are UTC. Money is an exact decimal string; unpriced usage is listed apart.
 */
@ApiTags('finance')
@ApiBearerAuth()
@Controller('v1/finance')
@Roles('finance', 'admin', OPERATOR)
export class FinanceController {
  constructor(private readonly finance: FinanceService) {}

  @Get('tenants')
  @ApiOperation({ summary: "The tenants the key may see (a tenant key: its own; the operator's: all)" })
  @ApiProblems()
  tenants(@CurrentCaller() caller: Caller): Promise<TenantView[]> {
    return this.finance.tenants(caller);
  }

  @Get('daily-spend')
  @ApiOperation({
    summary: 'Spend per UTC day, tenant, engine, model and purpose; unpriced usage apart; format=csv for a CSV file',
  })
  @ApiProblems(400, 404)
  async dailySpend(
    @CurrentCaller() caller: Caller,
    @Query(new ContractPipe(RangeQuerySchema, 'query')) query: RangeQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DailySpendView | string> {
    if (query.format !== 'csv') return this.finance.dailySpend(caller, query);
    const csv = await this.finance.dailySpendCsv(caller, query);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="clinex-spend-${query.from}-${query.to}.csv"`);
    return csv;
  }

  @Get('unit-costs')
  @ApiOperation({ summary: 'Cost per note, per 1,000 characters and per accepted medication, per tenant' })
  @ApiProblems(400, 404)
  unitCosts(
    @CurrentCaller() caller: Caller,
    @Query(new ContractPipe(RangeQuerySchema, 'query')) query: RangeQuery,
  ): Promise<UnitCostView[]> {
    return this.finance.unitCosts(caller, query);
  }

  @Get('budgets')
  @ApiOperation({ summary: 'Month-to-date spend against budget with a run-rate forecast' })
  @ApiProblems(400, 404)
  budgets(
    @CurrentCaller() caller: Caller,
    @Query(new ContractPipe(ScopeQuerySchema, 'query')) query: ScopeQuery,
  ): Promise<BudgetStatusView[]> {
    return this.finance.budgetStatus(caller, query);
  }

  @Put('budgets/:tenantId/:month')
  @Roles('finance', 'admin')
  @ApiOperation({ summary: "Set your tenant's soft and hard limits for a UTC month (YYYY-MM)" })
  @ApiProblems(400, 404, 422)
  setBudget(
    @CurrentPrincipal() principal: Principal,
    @Param('tenantId', UuidPipe) tenantId: string,
    @Param('month', new ContractPipe(MonthSchema, 'path')) month: string,
    @Body(new ContractPipe(BudgetBodySchema)) body: BudgetBody,
  ): Promise<BudgetStatusView> {
    return this.finance.setBudget(principal, tenantId, month, body);
  }

  @Put('webhooks/:tenantId')
  @Roles('finance', 'admin')
  @HttpCode(204)
  @ApiOperation({
    summary: "Set (or clear) your tenant's alert webhook",
    description:
      'Body `{"url": "https://…"}`, or `{"url": null}` to stop delivery. The URL must be http(s), without ' +
      "credentials, on the scheme's default port, and its host must be and resolve to public addresses only " +
      '(not loopback, private, link-local, CGNAT, unspecified, multicast or reserved), unless the operator allows ' +
      'that receiver or port; otherwise 400 `WEBHOOK_DESTINATION_FORBIDDEN` with `field` `/url`. Every delivery ' +
      'resolves the host again and is not sent where it now points inward (the alert shows the reason).',
  })
  @ApiProblems(400, 404)
  setWebhook(
    @CurrentPrincipal() principal: Principal,
    @Param('tenantId', UuidPipe) tenantId: string,
    @Body(new ContractPipe(WebhookBodySchema)) body: WebhookBody,
  ): Promise<void> {
    return this.finance.setWebhook(principal, tenantId, body.url);
  }

  @Get('alerts')
  @ApiOperation({ summary: 'Budget and spend alerts, newest first, with their delivery state' })
  @ApiProblems(400, 404)
  alerts(
    @CurrentCaller() caller: Caller,
    @Query(new ContractPipe(ScopeQuerySchema, 'query')) query: ScopeQuery,
  ): Promise<AlertView[]> {
    return this.finance.alerts(caller, query);
  }

  @Get('prices')
  @ApiOperation({ summary: 'Every price version, latest first per engine and model' })
  @ApiProblems()
  prices(): Promise<PriceVersionView[]> {
    return this.finance.prices();
  }

  @Post('prices')
  @Roles(OPERATOR)
  @ApiOperation({
    summary:
      'Add a price version (platform operator); it applies to every tenant from its effective date (now or later)',
  })
  @ApiProblems(400, 409, 422)
  addPrice(
    @CurrentOperator() operator: OperatorPrincipal,
    @Body(new ContractPipe(PriceVersionBodySchema)) body: PriceVersionBody,
  ): Promise<PriceVersionView> {
    return this.finance.addPrice(operator, body);
  }

  @Get('projection')
  @ApiOperation({ summary: 'What N notes a day would cost with an engine and model, at measured usage per note' })
  @ApiProblems(400, 404)
  projection(
    @CurrentCaller() caller: Caller,
    @Query(new ContractPipe(ProjectionQuerySchema, 'query')) query: ProjectionQuery,
  ): Promise<ProjectionView> {
    return this.finance.projection(caller, query);
  }
}
