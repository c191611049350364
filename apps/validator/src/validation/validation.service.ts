import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MessageProducer, Metrics, Outcome, type MessageOutcome } from '#platform';
import { emptyExtraction, EXTRACTIONS_VALIDATED_TOPIC, type RawExtraction, type ValidatedExtraction } from '#schemas';
import { LlmProbeService } from '../llm-probe/llm-probe.service.js';
import { ExtractionRepository, type ExtractionToStore } from '../persistence/extraction.repository.js';
import { validateExtraction, withReversalFlags, type ValidationOutcome } from '#validation';

@Injectable()
export class ValidationService {
  constructor(
    private readonly extractions: ExtractionRepository,
    private readonly producer: MessageProducer,
    private readonly llmProbe: LlmProbeService,
    private readonly metrics: Metrics,
  ) {}

  /** Validates one raw extraction, stores the outcome, then announces it. */
  async process(raw: RawExtraction): Promise<MessageOutcome> {
    this.metrics.observeStage('queue_to_validator', (Date.now() - Date.parse(raw.producedAt)) / 1000);
    const toStore = await this.metrics.time('validate', () => this.decide(raw));
    const stored = await this.metrics.time('database_write', () => this.extractions.store(toStore));
    switch (stored.kind) {
      case 'note_not_found':
        // Either a tenant mismatch or a note that never existed: retrying cannot help, and it must not be written.
        return Outcome.reject('note_not_found', 'no note with this id for this tenant');
      case 'duplicate':
        // Re-announce, in case the first delivery committed but crashed before publishing.
        await this.announce(raw, stored.extractionId, stored.status, stored.flagCodes);
        return Outcome.skipped('extraction already stored');
      case 'stored':
        await this.announce(
          raw,
          stored.extractionId,
          toStore.status,
          toStore.flags.map((f) => f.code),
        );
        return Outcome.success();
      default: {
        const unreachable: never = stored;
        throw new Error(`unhandled store result ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async decide(raw: RawExtraction): Promise<ExtractionToStore> {
    const base = { tenantId: raw.tenantId, noteId: raw.noteId, engine: raw.engine };
    if (raw.extraction === null) {
      // An engine failure still reaches a reviewer rather than vanishing.
      return {
        ...base,
        status: 'needs_review',
        payload: emptyExtraction(raw.noteId, raw.engine),
        extraction: null,
        flags: [
          {
            code: 'ENGINE_FAILED',
            severity: 'error',
            message: `the engine produced no extraction (${raw.failure?.code ?? 'unknown'})`,
            path: '/',
          },
        ],
      };
    }
    const outcome = await this.validate(raw, raw.extraction);
    return {
      ...base,
      status: outcome.status,
      payload: raw.extraction,
      extraction: outcome.extraction,
      flags: outcome.flags,
    };
  }

  /**
   * The synchronous checks, with the reversal probe answered by the LLM for sampled LLM extractions (the span
   * answerer otherwise, and whenever the LLM probe cannot answer).
   */
  private async validate(raw: RawExtraction, candidate: unknown): Promise<ValidationOutcome> {
    if (this.llmProbe.applies(raw)) {
      const outcome = validateExtraction(raw.noteText, candidate, { reversal: 'external' });
      if (outcome.extraction !== null) {
        const flags = await this.llmProbe.probe(raw, outcome.extraction);
        if (flags !== null) return withReversalFlags(outcome, flags);
      }
    }
    return validateExtraction(raw.noteText, candidate);
  }

  private async announce(
    raw: RawExtraction,
    extractionId: string,
    status: ValidatedExtraction['status'],
    flagCodes: string[],
  ): Promise<void> {
    const message: ValidatedExtraction = {
      version: 1,
      messageId: randomUUID(),
      tenantId: raw.tenantId,
      noteId: raw.noteId,
      extractionId,
      status,
      flagCodes: [...new Set(flagCodes)],
      validatedAt: new Date().toISOString(),
    };
    await this.producer.send(EXTRACTIONS_VALIDATED_TOPIC, [{ key: raw.noteId, value: message }]);
  }
}
