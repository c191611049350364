import type { CostOutcome } from '#schemas';

/** What one logical chat call cost and how it went: the cost meter's input. Carries no prompt or answer text. */
export interface LlmCallRecord {
  readonly callId: string;
  /** The model as configured (the price table's key). */
  readonly model: string;
  /** The model the endpoint says answered; null when there was no answer. */
  readonly servedModel: string | null;
  /** Prompt tokens, cached ones included (OpenAI's convention). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  /** True when the endpoint sent no usage and the counts come from the token estimator. */
  readonly estimated: boolean;
  /** Wall-clock time of the whole call, retries and backoff included. */
  readonly latencyMs: number;
  readonly attempts: number;
  /** Wall-clock time of each HTTP attempt, in order (one per attempt; the waits between them are not in it). */
  readonly attemptLatencyMs: readonly number[];
  readonly outcome: CostOutcome;
}
