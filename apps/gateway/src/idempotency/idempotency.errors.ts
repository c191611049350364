import { DomainError } from '#platform';

export enum IdempotencyErrorCode {
  /** The Idempotency-Key was already used with a different request (another body or endpoint). */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
}

export class IdempotencyError extends DomainError<IdempotencyErrorCode> {
  readonly domain = 'idempotency';
}
