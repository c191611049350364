import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { databaseReadinessProbe, DatabaseModule, PrismaService } from '#database';
import { HealthModule, READINESS_PROBES, type Messaging, type ReadinessProbe } from '#platform';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { GatewayCoreModule } from './core/gateway-core.module.js';
import { FinanceModule } from './finance/finance.module.js';
import { DomainErrorFilter } from './http/domain-error.filter.js';
import { HttpSetup } from './http/http-setup.js';
import { NotesModule } from './notes/notes.module.js';
import { ReviewModule } from './review/review.module.js';

// The composition root: infrastructure, the feature modules, and what is HTTP-wide (body parser, /docs, errors).
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
        GatewayCoreModule.forRoot(config, logger, messaging),
        AuthModule,
        NotesModule,
        AdminModule,
        ReviewModule,
        FinanceModule,
      ],
      providers: [HttpSetup, { provide: APP_FILTER, useFactory: () => new DomainErrorFilter(logger) }],
      // As before the split: ApiKeyService and TenantRepository (AuthModule exports them; tools/local uses them).
      exports: [AuthModule],
    };
  }
}
