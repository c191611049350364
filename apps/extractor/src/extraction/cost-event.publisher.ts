import { Injectable } from '@nestjs/common';
import { deterministicId, MessageProducer } from '#platform';
import { COST_EVENTS_TOPIC, type ClinicalExtraction, type CostEvent, type NoteSubmitted } from '#schemas';
import type { EngineUsage } from '../engines/extraction-engine.port.js';

/** The cost event lists at most this many attempt latencies (the client makes at most 14 attempts). */
const MAX_ATTEMPTS_LISTED = 20;

/**
 * Publishes the extractor's cost events: one per LLM call as the engine reports it, and one per note for engines
 * priced by model time (the NER engine's model-seconds). Ids are deterministic per unit of work, so a note delivered
 * again after a crash produces the same ids and the cost meter records each unit once.
 */
@Injectable()
export class CostEventPublisher {
  constructor(private readonly producer: MessageProducer) {}

  async publishCall(note: NoteSubmitted, engine: ClinicalExtraction['engine'], usage: EngineUsage): Promise<void> {
    await this.send(note, {
      version: 2,
      eventId: usage.callId,
      tenantId: note.tenantId,
      noteId: note.noteId,
      engine: engine.name,
      model: usage.model,
      purpose: usage.purpose,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedTokens: usage.cachedTokens,
      modelSeconds: 0,
      occurredAt: new Date().toISOString(),
      latencyMs: usage.latencyMs,
      outcome: usage.outcome,
      estimated: usage.estimated,
      attempts: usage.attempts,
      ...(usage.attemptLatencyMs.length > 0
        ? { attemptLatencyMs: usage.attemptLatencyMs.slice(0, MAX_ATTEMPTS_LISTED) }
        : {}),
      ...(usage.servedModel ? { servedModel: usage.servedModel } : {}),
      ...(usage.promptVariant ? { promptVariant: usage.promptVariant } : {}),
    });
  }

  async publishModelSeconds(
    note: NoteSubmitted,
    engine: ClinicalExtraction['engine'],
    modelSeconds: number,
  ): Promise<void> {
    await this.send(note, {
      version: 2,
      eventId: deterministicId('model-seconds', note.messageId, engine.name, engine.version),
      tenantId: note.tenantId,
      noteId: note.noteId,
      engine: engine.name,
      model: engine.model,
      purpose: 'extraction',
      inputTokens: 0,
      outputTokens: 0,
      cachedTokens: 0,
      modelSeconds,
      occurredAt: new Date().toISOString(),
      outcome: 'ok',
      estimated: false,
    });
  }

  private async send(note: NoteSubmitted, event: CostEvent): Promise<void> {
    await this.producer.send(COST_EVENTS_TOPIC, [{ key: note.noteId, value: event }]);
  }
}
