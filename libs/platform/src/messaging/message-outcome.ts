/**
 * What a handler says about one Kafka message. One place (`KafkaMessageRunner`) turns it into commit, retry with
 * backoff, or dead-letter, so no handler decides offsets itself.
 */
export type MessageOutcome =
  | { kind: 'success' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; retryable: boolean; code: string; detail: string };

export const Outcome = {
  success: (): MessageOutcome => ({ kind: 'success' }),
  skipped: (reason: string): MessageOutcome => ({ kind: 'skipped', reason }),
  retry: (code: string, detail: string): MessageOutcome => ({ kind: 'failed', retryable: true, code, detail }),
  reject: (code: string, detail: string): MessageOutcome => ({ kind: 'failed', retryable: false, code, detail }),
};
