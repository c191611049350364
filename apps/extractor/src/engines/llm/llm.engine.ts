import { randomUUID } from 'node:crypto';
import { deterministicId, LlmCallError, type ChatAnswer, type LlmCallRecord, type LlmChatClient } from '#platform';
import type { ClinicalExtraction, CostOutcome, CostPurpose } from '#schemas';
import type {
  EngineFailure,
  EngineInput,
  EngineOutcome,
  EngineUsage,
  ExtractionEngine,
} from '../extraction-engine.port.js';
import { toClinicalExtraction } from './extraction.mapper.js';
import { parseAnswer, type ParsedAnswer } from './llm-output.parser.js';
import { buildExtractionPrompt, buildRepairMessages, type ExtractionPrompt } from './prompt.builder.js';
import type { PromptExamples } from './prompt-examples.js';
import { isPromptVariant, type PromptVariant } from './prompt-variants.js';

/** Bumped when the engine's prompting or mapping changes in a way that changes results. */
export const LLM_ENGINE_VERSION = '2';

export enum LlmEngineFailureCode {
  /** The answer was malformed, truncated or off the output schema, and so was the answer to the repair prompt. */
  OutputInvalid = 'LLM_OUTPUT_INVALID',
}

export interface LlmEngineOptions {
  readonly defaultVariant: PromptVariant;
  readonly examples: PromptExamples;
  /** Operational messages only; never note text or model output. */
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, string | number | null>) => void;
}

/**
 * The few-shot LLM engine: builds the prompt for the requested variant, asks for JSON on the output schema, parses
 * and validates the answer (one repair prompt if it is unusable), then finds every value in the note to build the
 * contract's spans. Every call is reported for metering as soon as it completes. It never throws for an endpoint
 * or output problem: those end as an EngineFailure, which the pipeline sends to review.
 */
export class LlmEngine implements ExtractionEngine {
  readonly descriptor: ClinicalExtraction['engine'];

  constructor(
    private readonly client: LlmChatClient,
    private readonly options: LlmEngineOptions,
  ) {
    this.descriptor = {
      name: 'llm',
      model: client.model.slice(0, 200),
      version: `${LLM_ENGINE_VERSION}+${options.examples.version}`,
    };
  }

  /** Loads the client's tokenizer before traffic arrives (see LlmChatClient.warmUp). */
  async warmUp(): Promise<this> {
    await this.client.warmUp();
    return this;
  }

  /** The variant a request gets: its own when known, else the configured default (recorded in the extraction). */
  variantFor(requested: string | undefined): PromptVariant {
    if (requested === undefined || requested === '') return this.options.defaultVariant;
    if (isPromptVariant(requested)) return requested;
    this.options.log?.('warn', 'unknown prompt variant requested; using the default', {
      requested: requested.slice(0, 100),
      used: this.options.defaultVariant,
    });
    return this.options.defaultVariant;
  }

  async extract(input: EngineInput): Promise<EngineOutcome> {
    const variant = this.variantFor(input.promptVariant);
    const requestId = input.requestId ?? randomUUID();
    const callId = (purpose: CostPurpose, sequence: number) =>
      deterministicId(
        'llm',
        requestId,
        this.descriptor.version,
        this.descriptor.model,
        variant,
        purpose,
        `${sequence}`,
      );
    const report = (purpose: CostPurpose, record: LlmCallRecord, outcome: CostOutcome = record.outcome) =>
      input.reportUsage?.(usage(record, purpose, outcome, variant)) ?? Promise.resolve();

    const prompt = buildExtractionPrompt(variant, input.text, this.options.examples);
    const first = await this.call(prompt, prompt.messages, callId('extraction', 0), 'extraction', report);
    if ('failure' in first) return first.failure;
    let parsed = first.parsed;

    if (!parsed.ok) {
      this.options.log?.('warn', 'LLM answer unusable; sending the repair prompt', { kind: parsed.kind });
      const messages = buildRepairMessages(prompt, first.answer.content, parsed.problem, parsed.kind === 'truncated');
      const second = await this.call(prompt, messages, callId('repair', 1), 'repair', report);
      if ('failure' in second) return second.failure;
      parsed = second.parsed;
      if (!parsed.ok) {
        return failed(LlmEngineFailureCode.OutputInvalid, `answer unusable after the repair prompt: ${parsed.problem}`);
      }
    }

    const extraction = toClinicalExtraction(parsed.value, {
      noteId: input.noteId,
      noteText: input.text,
      engine: { ...this.descriptor, promptVariant: variant },
    });
    return { extraction, modelSeconds: 0 };
  }

  private async call(
    prompt: ExtractionPrompt,
    messages: ExtractionPrompt['messages'],
    callId: string,
    purpose: CostPurpose,
    report: (purpose: CostPurpose, record: LlmCallRecord, outcome?: CostOutcome) => Promise<void>,
  ): Promise<{ answer: ChatAnswer; parsed: ParsedAnswer } | { failure: EngineFailure }> {
    let answer: ChatAnswer;
    try {
      answer = await this.client.complete({ callId, messages, schema: prompt.schema });
    } catch (error) {
      if (!(error instanceof LlmCallError)) throw error;
      await report(purpose, error.record);
      return { failure: failed(error.code, error.message) };
    }
    const parsed = parseAnswer(answer.content, answer.finishReason);
    await report(purpose, answer.record, parsed.ok ? 'ok' : 'invalid_output');
    return { answer, parsed };
  }
}

function usage(record: LlmCallRecord, purpose: CostPurpose, outcome: CostOutcome, variant: string): EngineUsage {
  return {
    callId: record.callId,
    purpose,
    model: record.model,
    servedModel: record.servedModel,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    cachedTokens: record.cachedTokens,
    estimated: record.estimated,
    latencyMs: record.latencyMs,
    attempts: record.attempts,
    attemptLatencyMs: record.attemptLatencyMs,
    outcome,
    promptVariant: variant,
  };
}

function failed(code: string, message: string): EngineFailure {
  return { extraction: null, failure: { code, message: message.slice(0, 1000) }, modelSeconds: 0 };
}
