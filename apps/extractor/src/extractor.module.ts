import path from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { HealthModule, MessageProducer, messageRunnerProvider, READINESS_PROBES, type Messaging } from '#platform';
import { EXTRACTOR_CONFIG, type ExtractorConfig } from './config/extractor.config.js';
import { EXTRACTION_ENGINE, type ExtractionEngine } from './engines/extraction-engine.port.js';
import { createLlmEngine } from './engines/llm/llm-engine.factory.js';
import { BertNerEngine } from './engines/bert-ner/bert-ner.engine.js';
import { bertNerOptionsFromNerEnv } from './engines/bert-ner/bert-ner.options.js';
import { NoneEngine } from './engines/none.engine.js';
import { CostEventPublisher } from './extraction/cost-event.publisher.js';
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
        messageRunnerProvider(producer, config, logger),
        { provide: EXTRACTION_ENGINE, useFactory: () => createEngine(config, logger) },
        CostEventPublisher,
        ExtractionService,
      ],
    };
  }
}

/** The engine named by EXTRACTOR_ENGINE; each is built from the validated config only. */
function createEngine(config: ExtractorConfig, logger: Logger): ExtractionEngine | Promise<ExtractionEngine> {
  switch (config.EXTRACTOR_ENGINE) {
    case 'none':
      return new NoneEngine();
    case 'llm':
      // Warmed before the consumers start, so no call waits behind the tokenizer's first load.
      return createLlmEngine(config, {
        log: (level, message, fields) => logger[level]({ ...fields, engine: 'llm' }, message),
      }).warmUp();
    case 'bert-ner':
      // Async: Nest awaits the factory, so a bad model directory stops the service at start with its message.
      return BertNerEngine.create({
        ...bertNerOptionsFromNerEnv(config, config.NER_MODEL_DIR),
        modelDir: path.resolve(config.NER_MODEL_DIR),
        log: (level, message) => logger[level]({ engine: 'bert-ner' }, message),
      });
    default: {
      const unknown: never = config.EXTRACTOR_ENGINE;
      throw new Error(`unknown engine ${String(unknown)}`);
    }
  }
}
