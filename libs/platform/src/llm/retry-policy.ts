import type { CostOutcome } from '#schemas';

/**
 * When and how long to wait before retrying a chat call. Our own loop rather than the openai client's built-in retry
 * (which we disable with maxRetries 0), because the built-in one (openai 7.x, `retryRequest`):
 * - ignores a Retry-After above 60 s and then retries after its own 0.5-8 s backoff, i.e. hammers an endpoint that
 *   asked for a pause; we instead stop and fail the call when the wait exceeds LLM_RETRY_MAX_MS;
 * - hides the attempts: we meter each call's attempts, latency and timed-out attempts (which may be billed) and log
 *   each retry (status, attempt, delay; never content);
 * - retries 409 and honours a non-standard `x-should-retry` header, neither of which applies to chat completions.
 * It does get the headers right, and we read them the same way: `retry-after-ms` first, then `Retry-After` in
 * seconds or as an HTTP date.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly baseMs: number;
  /** Longest single wait, server-requested or not. */
  readonly maxMs: number;
}

export type AttemptFailure = Exclude<CostOutcome, 'ok' | 'invalid_output'>;

export function classifyStatus(status: number): AttemptFailure {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  return 'rejected';
}

export function isRetryable(failure: AttemptFailure): boolean {
  return failure !== 'rejected';
}

interface HeaderSource {
  get(name: string): string | null;
}

/** The wait a response asks for, in ms; null when it asks for none (or says it unreadably). */
export function retryAfterMs(headers: HeaderSource | undefined, now = Date.now()): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Delay before retry number `retry` (1 for the first retry). A server-requested wait is honoured (plus up to 10%
 * jitter, so clients told the same thing do not return in step); without one, exponential backoff from `baseMs` with
 * jitter between half and all of it. Null: do not retry, because the server asks for more than `maxMs`.
 */
export function retryDelayMs(
  retry: number,
  requestedMs: number | null,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | null {
  if (requestedMs !== null) {
    if (requestedMs > policy.maxMs) return null;
    return Math.round(requestedMs * (1 + random() * 0.1));
  }
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
