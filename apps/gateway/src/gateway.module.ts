import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import { databaseReadinessProbe, DatabaseModule, PrismaService } from '#database';
import { HealthModule, MessageProducer, READINESS_PROBES, type Messaging, type ReadinessProbe } from '#platform';
import { ApiKeyRepository } from './auth/api-key.repository.js';
import { ApiKeyService } from './auth/api-key.service.js';
import { RolesGuard } from './auth/roles.guard.js';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config.js';
import { GATEWAY_LOGGER } from './gateway.tokens.js';
import { DomainErrorFilter } from './http/domain-error.filter.js';
import { NoteController } from './notes/note.controller.js';
import { NoteRepository } from './notes/note.repository.js';
import { NoteService } from './notes/note.service.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { OutboxRepository } from './outbox/outbox.repository.js';
import { TenantRepository } from './tenants/tenant.repository.js';
// Gateway API (issue 6): admin keys, idempotency, rate limit, JSON-only parsing and /docs.
import { AdminController } from './admin/admin.controller.js';
import { AdminService } from './admin/admin.service.js';
import { RateLimiter } from './auth/rate-limiter.js';
import { HttpSetup } from './http/http-setup.js';
import { IdempotencyRepository } from './idempotency/idempotency.repository.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { ReviewPageController } from './review/page/review-page.controller.js';
import { ReviewController } from './review/review.controller.js';
import { ReviewRepository } from './review/review.repository.js';
import { ReviewService } from './review/review.service.js';
// Finance (issue 8): cost API, budgets and alerts, price table.
import { BudgetAlertService } from './finance/budget-alerts.service.js';
import { BudgetGuard } from './finance/budget.guard.js';
import { FinanceController } from './finance/finance.controller.js';
import { FinanceRepository } from './finance/finance.repository.js';
import { FINANCE_CLOCK, FinanceService } from './finance/finance.service.js';
import { FinancePageController } from './finance/page/finance-page.controller.js';
// Security (issue 10): brute-force guard per client address.
import { AuthFailureLimiter } from './auth/auth-failure.limiter.js';
// Security (issue 21): keys checked before bodies are read.
import { RequestAuthenticator } from './auth/request-authenticator.js';
// Webhook destinations (SSRF guard): only public addresses unless the operator allows more.
import { DestinationPolicy } from './outbound/destination.policy.js';
import { WebhookSender } from './outbound/webhook.sender.js';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger, messaging: Messaging): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        DatabaseModule.forRoot({ databaseUrl: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        HealthModule.forRoot({
          provide: READINESS_PROBES,
          inject: [PrismaService],
          useFactory: (prisma: PrismaService): ReadinessProbe[] => [
            databaseReadinessProbe(prisma),
            messaging.readinessProbe(config.KAFKA_CLIENT_ID),
          ],
        }),
      ],
      controllers: [
        NoteController,
        AdminController,
        ReviewController,
        ReviewPageController,
        FinanceController,
        FinancePageController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LOGGER, useValue: logger },
        {
          provide: MessageProducer,
          useFactory: () => messaging.producer(config.KAFKA_CLIENT_ID, { transactional: true }),
        },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_FILTER, useFactory: () => new DomainErrorFilter(logger) },
        ApiKeyRepository,
        ApiKeyService,
        TenantRepository,
        NoteRepository,
        NoteService,
        OutboxRepository,
        OutboxRelay,
        RateLimiter,
        IdempotencyRepository,
        IdempotencyService,
        AdminService,
        HttpSetup,
        ReviewRepository,
        ReviewService,
        { provide: FINANCE_CLOCK, useValue: () => new Date() },
        FinanceRepository,
        FinanceService,
        BudgetGuard,
        BudgetAlertService,
        AuthFailureLimiter,
        RequestAuthenticator,
        {
          provide: DestinationPolicy,
          useFactory: () =>
            new DestinationPolicy({
              allowedPrivateCidrs: config.WEBHOOK_ALLOWED_PRIVATE_CIDRS,
              allowedPorts: config.WEBHOOK_ALLOWED_PORTS,
            }),
        },
        WebhookSender,
      ],
      exports: [ApiKeyService, TenantRepository],
    };
  }
}
