import type { ClinicalExtraction, CostOutcome, CostPurpose } from '#schemas';

export interface EngineInput {
  noteId: string;
  tenantId: string;
  text: string;
  promptVariant?: string;
  /**
   * Id of the message that asked for this extraction (NoteSubmitted.messageId). Engines derive their call ids from
   * it, so the same note delivered again makes calls with the same ids and its cost events are recorded once.
   */
  requestId?: string;
  /**
   * Receives each metered call as soon as it completes (the extractor publishes it as a cost event at once), so a
   * call that was paid for is recorded even if the note fails later. Engines without per-call costs ignore it.
   */
  reportUsage?: (usage: EngineUsage) => Promise<void>;
}

/** One metered model call (an LLM request), as an engine reports it. Never carries prompt or answer text. */
export interface EngineUsage {
  callId: string;
  purpose: CostPurpose;
  model: string;
  servedModel: string | null;
  /** Prompt tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  estimated: boolean;
  /** The whole call, retries and backoff included. */
  latencyMs: number;
  attempts: number;
  /** Each HTTP attempt of the call, in order. */
  attemptLatencyMs: readonly number[];
  outcome: CostOutcome;
  promptVariant?: string;
}

export interface EngineResult {
  extraction: ClinicalExtraction;
  /** Wall-clock seconds the model spent on this note (priced by the cost meter). */
  modelSeconds: number;
}

/**
 * The engine could not produce an extraction (the LLM endpoint stayed unavailable, or its answer was unusable even
 * after the repair prompt). The extractor still publishes the note, with `extraction: null` and this failure, so it
 * reaches a reviewer instead of vanishing. `code` is a stable error code; `message` never quotes note text.
 */
export interface EngineFailure {
  extraction: null;
  failure: { code: string; message: string };
  modelSeconds: number;
}

export type EngineOutcome = EngineResult | EngineFailure;

/** The one interface both engines implement; batching, devices and prompts stay behind it. */
export interface ExtractionEngine {
  readonly descriptor: ClinicalExtraction['engine'];
  extract(input: EngineInput): Promise<EngineOutcome>;
}

export const EXTRACTION_ENGINE = Symbol('EXTRACTION_ENGINE');
