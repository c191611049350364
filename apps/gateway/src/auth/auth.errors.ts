import { DomainError } from '#platform';

export enum AuthErrorCode {
  MISSING_CREDENTIALS = 'MISSING_CREDENTIALS',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  /** The API key used up its request allowance; `Retry-After` says when to try again. */
  RATE_LIMITED = 'RATE_LIMITED',
}

export class AuthError extends DomainError<AuthErrorCode> {
  readonly domain = 'auth';
}

export class RateLimitError extends AuthError {
  constructor(readonly retryAfterSeconds: number) {
    super(AuthErrorCode.RATE_LIMITED, `too many requests for this API key; retry after ${retryAfterSeconds} s`);
  }
}
