import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { databaseReadinessProbe, DatabaseModule, PrismaService } from '#database';
import {
  HealthModule,
  LlmChatClient,
  llmClientOptions,
  MessageProducer,
  messageRunnerProvider,
  READINESS_PROBES,
  type Messaging,
  type ReadinessProbe,
} from '#platform';
import type { ValidatorConfig } from './config/validator.config.js';
import { CostEventHandler } from './cost-meter/cost-event.handler.js';
import { CostLedgerRepository } from './cost-meter/cost-ledger.repository.js';
import { CostMeterService } from './cost-meter/cost-meter.service.js';
import { DeadLetterHandler } from './note-failure/dead-letter.handler.js';
import { NoteFailureService } from './note-failure/note-failure.service.js';
import { LLM_PROBE_SETTINGS, LlmProbeService, type LlmProbeSettings } from './llm-probe/llm-probe.service.js';
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
            databaseReadinessProbe(prisma),
            messaging.readinessProbe(config.KAFKA_CLIENT_ID),
          ],
        }),
      ],
      // The cost meter lives here because this service already owns the database connection and a consumer group
      // with bounded retry and dead-lettering; it is its own module folder and handler, so it can move to a service
      // of its own (its own group id) without changes.
      // Dead letters end their note as `failed` here, beside the other writer of final note statuses.
      controllers: [RawExtractionHandler, CostEventHandler, DeadLetterHandler],
      providers: [
        { provide: MessageProducer, useValue: producer },
        messageRunnerProvider(producer, config, logger),
        ExtractionRepository,
        NoteFailureService,
        ValidationService,
        CostLedgerRepository,
        CostMeterService,
        {
          provide: LLM_PROBE_SETTINGS,
          useFactory: async (): Promise<LlmProbeSettings> => {
            const options = llmClientOptions(config);
            const log = (message: string, fields: Record<string, string | number | null>) =>
              logger.warn({ ...fields, probe: 'llm' }, message);
            const client = options
              ? new LlmChatClient(options, { log: (_level, message, fields) => log(message, fields) })
              : null;
            // Before the consumers start: the tokenizer's first load would otherwise stall calls in flight.
            await client?.warmUp();
            return {
              client,
              sampleRate: config.LLM_PROBE_SAMPLE_RATE,
              log,
            };
          },
        },
        LlmProbeService,
      ],
    };
  }
}
