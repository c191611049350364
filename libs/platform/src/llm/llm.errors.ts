import { DomainError } from '../errors/domain.error.js';
import type { LlmCallRecord } from './llm-call.record.js';

export enum LlmErrorCode {
  /** Every attempt timed out. */
  Timeout = 'LLM_TIMEOUT',
  /** 429 on every attempt, or a Retry-After longer than the configured maximum wait. */
  RateLimited = 'LLM_RATE_LIMITED',
  /** 5xx or connection failures on every attempt. */
  Unavailable = 'LLM_UNAVAILABLE',
  /** A 4xx other than 429 that no request adaptation could fix (bad key, unknown model, bad request). */
  Rejected = 'LLM_REJECTED',
}

/**
 * A chat call that produced no answer. It carries the call's record, because a failed call can still cost money
 * (a timed-out request may have been processed) and is metered like any other.
 */
export class LlmCallError extends DomainError<LlmErrorCode> {
  readonly domain = 'llm';
  constructor(
    code: LlmErrorCode,
    message: string,
    readonly record: LlmCallRecord,
    /** HTTP status of the last attempt, when there was a response. */
    readonly status?: number,
  ) {
    super(code, message);
  }
}
