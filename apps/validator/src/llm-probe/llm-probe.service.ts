import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { deterministicId, LlmCallError, MessageProducer, type LlmCallRecord, type LlmChatClient } from '#platform';
import {
  COST_EVENTS_TOPIC,
  type ClinicalExtraction,
  type CostEvent,
  type CostOutcome,
  type RawExtraction,
} from '#schemas';
import { judgeReversal, reversalQuestionsFor, type ValidationFlag } from '#validation';
import { buildProbeMessages, parseProbeAnswers, probeJsonSchema } from './llm-reversal.answerer.js';

export const LLM_PROBE_SETTINGS = Symbol('LLM_PROBE_SETTINGS');

export interface LlmProbeSettings {
  /** Null when the validator has no LLM endpoint configured: the span answerer is used for everything. */
  readonly client: LlmChatClient | null;
  /** Share of LLM extractions probed by the LLM (0..1); the rest use the span answerer. */
  readonly sampleRate: number;
  /** Operational messages only. */
  readonly log?: (message: string, fields: Record<string, string | number | null>) => void;
}

/** Whether a note is in the sample; by its id, so a redelivered extraction is decided the same way. */
export function inSample(noteId: string, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  const bucket = parseInt(createHash('sha256').update(noteId).digest('hex').slice(0, 8), 16) / 0x1_0000_0000;
  return bucket < rate;
}

/**
 * The reversal probe answered by an LLM, for LLM extractions only (the NER engine's stay with the span answerer):
 * one call per extraction through the shared chat client, metered as a `probe` cost event. When the call fails or
 * its answer is unusable, returns null and the caller falls back to the span answerer.
 */
@Injectable()
export class LlmProbeService {
  constructor(
    @Inject(LLM_PROBE_SETTINGS) private readonly settings: LlmProbeSettings,
    private readonly producer: MessageProducer,
  ) {}

  applies(raw: RawExtraction): boolean {
    return (
      this.settings.client !== null &&
      raw.engine.name === 'llm' &&
      raw.extraction !== null &&
      inSample(raw.noteId, this.settings.sampleRate)
    );
  }

  async probe(raw: RawExtraction, extraction: ClinicalExtraction): Promise<ValidationFlag[] | null> {
    const client = this.settings.client;
    if (!client) return null;
    const { questions, mentions } = reversalQuestionsFor(raw.noteText, extraction);
    if (questions.length === 0) return [];
    // One probe per stored extraction (note, engine, version): a redelivery asks again under the same id.
    const callId = deterministicId('llm-probe', raw.noteId, raw.engine.name, raw.engine.version, client.model);
    try {
      const answer = await client.complete({
        callId,
        messages: buildProbeMessages(raw.noteText, mentions, questions),
        schema: { name: 'reversal_probe', schema: probeJsonSchema() },
        maxOutputTokens: 64 + 24 * questions.length,
      });
      const answers = parseProbeAnswers(answer.content, questions, mentions);
      await this.meter(raw, answer.record, answers ? 'ok' : 'invalid_output');
      if (!answers) {
        this.settings.log?.('LLM reversal probe answer unusable; using the span answerer', { callId });
        return null;
      }
      return judgeReversal(questions, answers).map((f) => ({ ...f, message: `${f.message} (LLM probe)` }));
    } catch (error) {
      if (!(error instanceof LlmCallError)) throw error;
      await this.meter(raw, error.record, error.record.outcome);
      this.settings.log?.('LLM reversal probe failed; using the span answerer', { callId, code: error.code });
      return null;
    }
  }

  private async meter(raw: RawExtraction, record: LlmCallRecord, outcome: CostOutcome): Promise<void> {
    const event: CostEvent = {
      version: 2,
      eventId: record.callId,
      tenantId: raw.tenantId,
      noteId: raw.noteId,
      engine: 'llm',
      model: record.model,
      purpose: 'probe',
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      cachedTokens: record.cachedTokens,
      modelSeconds: 0,
      occurredAt: new Date().toISOString(),
      latencyMs: record.latencyMs,
      outcome,
      estimated: record.estimated,
      attempts: record.attempts,
      ...(record.attemptLatencyMs.length > 0 ? { attemptLatencyMs: record.attemptLatencyMs.slice(0, 20) } : {}),
      ...(record.servedModel ? { servedModel: record.servedModel } : {}),
    };
    await this.producer.send(COST_EVENTS_TOPIC, [{ key: raw.noteId, value: event }]);
  }
}
