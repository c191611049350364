/**
 * What a handler says about one Kafka message. One place (`KafkaMessageRunner`) turns it into commit, retry with
 * backoff, or dead-letter, so no handler decides offsets itself.
 */
export type MessageOutcome =
  | { kind: 'success' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; retryable: boolean; code: string; detail: string }
  /**
   * A dependency (database, broker) is down. Retried without limit until it is back: dead-lettering here would
   * throw away work that succeeds a few seconds later, and every other message on the partition would fail alike.
   */
  | { kind: 'unavailable'; code: string; detail: string };

export const Outcome = {
  success: (): MessageOutcome => ({ kind: 'success' }),
  skipped: (reason: string): MessageOutcome => ({ kind: 'skipped', reason }),
  retry: (code: string, detail: string): MessageOutcome => ({ kind: 'failed', retryable: true, code, detail }),
  reject: (code: string, detail: string): MessageOutcome => ({ kind: 'failed', retryable: false, code, detail }),
  unavailable: (code: string, detail: string): MessageOutcome => ({ kind: 'unavailable', code, detail }),
};

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// PostgreSQL SQLSTATEs for "the server is going away or not there": admin/crash shutdown, cannot connect now,
// and the connection-exception class (08xxx).
const UNAVAILABLE_SQLSTATE = /^(57P0[1-3]|08\d{3})$/;
const UNAVAILABLE_MESSAGE =
  /connection terminated|connection refused|can't reach database|server closed the connection|terminating connection|the database system is (starting up|shutting down)|KafkaJSConnectionError|Connection error|broker.*not.*available|There is no leader/i;

/** True when an error means "a dependency is unreachable right now", as opposed to "this message is bad". */
export function isUnavailableError(error: unknown, depth = 0): boolean {
  if (depth > 4 || error === null || typeof error !== 'object') return false;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.code === 'string' && (CONNECTION_ERROR_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code)))
    return true;
  if (typeof e.name === 'string' && /KafkaJS(Connection|BrokerNotFound|NumberOfRetriesExceeded)Error/.test(e.name))
    return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  return isUnavailableError(e.cause, depth + 1) || isUnavailableError(e.originalError, depth + 1);
}
