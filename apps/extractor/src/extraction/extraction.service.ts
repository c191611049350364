import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MessageProducer, Metrics, Outcome, type MessageOutcome } from '#platform';
import { EXTRACTIONS_RAW_TOPIC, type NoteSubmitted, type RawExtraction } from '#schemas';
import { EXTRACTION_ENGINE, type ExtractionEngine } from '../engines/extraction-engine.port.js';
import { CostEventPublisher } from './cost-event.publisher.js';

@Injectable()
export class ExtractionService {
  constructor(
    @Inject(EXTRACTION_ENGINE) private readonly engine: ExtractionEngine,
    private readonly producer: MessageProducer,
    private readonly costs: CostEventPublisher,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Runs the engine on one submitted note and publishes the raw extraction for the validator: a success, or the
   * engine's failure (extraction null), which the validator sends to review. Cost events go out first: per call as
   * the engine reports them, then the note's model-seconds.
   */
  async extract(note: NoteSubmitted): Promise<MessageOutcome> {
    const descriptor = this.engine.descriptor;
    // Submission to pick-up: the outbox relay's wait plus Kafka (the relay reports its own part).
    this.metrics.observeStage('queue_to_extractor', (Date.now() - Date.parse(note.submittedAt)) / 1000);
    const started = process.hrtime.bigint();
    const result = await this.engine.extract({
      noteId: note.noteId,
      tenantId: note.tenantId,
      text: note.text,
      ...(note.promptVariant ? { promptVariant: note.promptVariant } : {}),
      requestId: note.messageId,
      reportUsage: (usage) => this.costs.publishCall(note, descriptor, usage),
    });
    const engineSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics.observeStage('engine_model', result.modelSeconds);
    // Tokenisation, batching wait and decoding: the engine's wall time outside the model run.
    this.metrics.observeStage('engine_other', Math.max(0, engineSeconds - result.modelSeconds));
    if (result.modelSeconds > 0) await this.costs.publishModelSeconds(note, descriptor, result.modelSeconds);
    const message: RawExtraction = {
      version: 1,
      messageId: randomUUID(),
      tenantId: note.tenantId,
      noteId: note.noteId,
      noteText: note.text,
      engine: {
        name: descriptor.name,
        model: descriptor.model,
        version: descriptor.version,
      },
      extraction: result.extraction,
      ...(result.extraction === null ? { failure: result.failure } : {}),
      modelSeconds: result.modelSeconds,
      producedAt: new Date().toISOString(),
    };
    await this.metrics.time('publish_raw', () =>
      this.producer.send(EXTRACTIONS_RAW_TOPIC, [{ key: note.noteId, value: message }]),
    );
    return Outcome.success();
  }
}
