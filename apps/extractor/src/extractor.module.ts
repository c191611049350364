import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { HealthModule, MessageProducer, MessageRunner, READINESS_PROBES, type Messaging } from '#platform';
import { EXTRACTOR_CONFIG, type ExtractorConfig } from './config/extractor.config.js';
import { EXTRACTION_ENGINE } from './engines/extraction-engine.port.js';
import { NoneEngine } from './engines/none.engine.js';
import { ExtractionService } from './extraction/extraction.service.js';
import { NoteSubmittedHandler } from './extraction/note-submitted.handler.js';

@Module({})
export class ExtractorModule {
  static forRoot(config: ExtractorConfig, logger: Logger, messaging: Messaging): DynamicModule {
    const producer = messaging.producer(config.KAFKA_CLIENT_ID);
    return {
      module: ExtractorModule,
      imports: [
        HealthModule.forRoot({
          provide: READINESS_PROBES,
          useFactory: () => [messaging.readinessProbe(config.KAFKA_CLIENT_ID)],
        }),
      ],
      controllers: [NoteSubmittedHandler],
      providers: [
        { provide: EXTRACTOR_CONFIG, useValue: config },
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
        { provide: EXTRACTION_ENGINE, useFactory: () => new NoneEngine() },
        ExtractionService,
      ],
    };
  }
}
