import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MessageProducer, Metrics, Outcome, type MessageOutcome } from '#platform';
import { EXTRACTIONS_RAW_TOPIC, type NoteSubmitted, type RawExtraction } from '#schemas';
import { EXTRACTION_ENGINE, type EngineOutcome, type ExtractionEngine } from '../engines/extraction-engine.port.js';
import { CostEventPublisher } from './cost-event.publisher.js';

/** Engines that cost money per call; the free ones (bert-ner, none) may stand in for each other. */
const PAID_ENGINES: ReadonlySet<string> = new Set(['llm']);

/**
 * A worker never spends on a note that did not ask for its paid engine: a note moved to the NER engine by its tenant's
 * hard budget limit, or sent with another engine, is refused by an LLM worker (the note goes to review with this
 * reason) instead of being billed. A free engine runs whatever reaches it, and the extraction names the engine that ran.
 */
export function paidEngineRefusal(hosted: string, requested: string): { code: string; message: string } | null {
  if (!PAID_ENGINES.has(hosted) || requested === hosted) return null;
  return {
    code: 'ENGINE_NOT_REQUESTED',
    message: `the note asked for the ${requested} engine; this worker runs ${hosted} and does not spend on notes that did not ask for it`,
  };
}

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
    const refusal = paidEngineRefusal(descriptor.name, note.requestedEngine);
    const result: EngineOutcome = refusal
      ? { extraction: null, failure: refusal, modelSeconds: 0 }
      : await this.engine.extract({
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
