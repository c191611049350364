import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MessageProducer, Metrics, Outcome, type MessageOutcome } from '#platform';
import { EXTRACTIONS_RAW_TOPIC, type NoteSubmitted, type RawExtraction } from '#schemas';
import {
  EXTRACTION_ENGINE,
  type EngineOutcome,
  type EngineUsage,
  type ExtractionEngine,
} from '../engines/extraction-engine.port.js';
import { EXTRACTOR_CONFIG, type ExtractorConfig } from '../config/extractor.config.js';
import { CostEventPublisher } from './cost-event.publisher.js';

/** Engines that cost money per call; the free ones (bert-ner, none) may stand in for each other. */
const PAID_ENGINES: ReadonlySet<string> = new Set(['llm']);

export type OtherEngineNotes = 'run' | 'skip';
export type NoteRoute =
  { kind: 'run' } | { kind: 'skip'; reason: string } | { kind: 'refuse'; failure: { code: string; message: string } };

/**
 * What a worker does with a note that asked for another engine than the one it runs. `skip`: leave it to the pool of
 * that engine (a deployment with one consumer group per engine). `run` (one pool): a free engine runs it and the
 * extraction names the engine that ran; a paid engine never spends on a note that did not ask for it (a note moved to
 * NER by its tenant's hard budget limit), so it refuses it and the note goes to review with the reason.
 */
export function routeNote(hosted: string, requested: string, otherEngineNotes: OtherEngineNotes): NoteRoute {
  if (requested === hosted) return { kind: 'run' };
  if (otherEngineNotes === 'skip') return { kind: 'skip', reason: `note for the ${requested} engine` };
  if (!PAID_ENGINES.has(hosted)) return { kind: 'run' };
  return {
    kind: 'refuse',
    failure: {
      code: 'ENGINE_NOT_REQUESTED',
      message: `the note asked for the ${requested} engine; this worker runs ${hosted} and does not spend on notes that did not ask for it`,
    },
  };
}

@Injectable()
export class ExtractionService {
  constructor(
    @Inject(EXTRACTION_ENGINE) private readonly engine: ExtractionEngine,
    private readonly producer: MessageProducer,
    private readonly costs: CostEventPublisher,
    private readonly metrics: Metrics,
    @Inject(EXTRACTOR_CONFIG) private readonly config: Pick<ExtractorConfig, 'EXTRACTOR_OTHER_ENGINE_NOTES'>,
  ) {}

  /**
   * Runs the engine on one submitted note and publishes the raw extraction for the validator: a success, or the
   * engine's failure (extraction null), which the validator sends to review. Cost events go out first: per call as
   * the engine reports them, then the note's model-seconds.
   */
  async extract(note: NoteSubmitted): Promise<MessageOutcome> {
    const descriptor = this.engine.descriptor;
    const route = routeNote(descriptor.name, note.requestedEngine, this.config.EXTRACTOR_OTHER_ENGINE_NOTES);
    if (route.kind === 'skip') return Outcome.skipped(route.reason);
    // Submission to pick-up: the outbox relay's wait plus Kafka (the relay reports its own part).
    this.metrics.observeStage('queue_to_extractor', (Date.now() - Date.parse(note.submittedAt)) / 1000);
    const started = process.hrtime.bigint();
    const llm = { calls: 0, ms: 0 };
    const result: EngineOutcome =
      route.kind === 'refuse'
        ? { extraction: null, failure: route.failure, modelSeconds: 0 }
        : await this.engine.extract({
            noteId: note.noteId,
            tenantId: note.tenantId,
            text: note.text,
            ...(note.promptVariant ? { promptVariant: note.promptVariant } : {}),
            requestId: note.messageId,
            reportUsage: (usage) => {
              llm.calls++;
              llm.ms += usage.latencyMs;
              this.observeCallLatency(usage);
              return this.costs.publishCall(note, descriptor, usage);
            },
          });
    const engineSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (llm.calls > 0) this.metrics.observeLlmLatency('note', descriptor.model, llm.ms / 1000);
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

  private observeCallLatency(usage: EngineUsage): void {
    for (const ms of usage.attemptLatencyMs) this.metrics.observeLlmLatency('attempt', usage.model, ms / 1000);
    this.metrics.observeLlmLatency('call', usage.model, usage.latencyMs / 1000);
  }
}
