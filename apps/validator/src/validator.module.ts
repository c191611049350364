import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { DatabaseModule, PrismaService } from '#database';
import {
  HealthModule,
  MessageProducer,
  MessageRunner,
  READINESS_PROBES,
  type Messaging,
  type ReadinessProbe,
} from '#platform';
import type { ValidatorConfig } from './config/validator.config.js';
import { ExtractionRepository } from './persistence/extraction.repository.js';
import { RawExtractionHandler } from './validation/raw-extraction.handler.js';
import { ValidationService } from './validation/validation.service.js';

@Module({})
export class ValidatorModule {
  static forRoot(config: ValidatorConfig, logger: Logger, messaging: Messaging): DynamicModule {
    const producer = messaging.producer(config.KAFKA_CLIENT_ID);
    return {
      module: ValidatorModule,
      imports: [
        DatabaseModule.forRoot({ databaseUrl: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        HealthModule.forRoot({
          provide: READINESS_PROBES,
          inject: [PrismaService],
          useFactory: (prisma: PrismaService): ReadinessProbe[] => [
            { name: 'database', check: async () => void (await prisma.client.$queryRaw`SELECT 1`) },
            messaging.readinessProbe(config.KAFKA_CLIENT_ID),
          ],
        }),
      ],
      controllers: [RawExtractionHandler],
      providers: [
        { provide: MessageProducer, useValue: producer },
        {
          provide: MessageRunner,
          useFactory: () =>
            new MessageRunner(
              producer,
              {
                consumerGroup: config.KAFKA_GROUP_ID,
                maxAttempts: config.MESSAGE_MAX_ATTEMPTS,
                baseBackoffMs: config.MESSAGE_RETRY_BASE_MS,
                maxBackoffMs: config.MESSAGE_RETRY_MAX_MS,
              },
              logger,
            ),
        },
        ExtractionRepository,
        ValidationService,
      ],
    };
  }
}
