import { DomainError } from '#platform';

export enum AuthErrorCode {
  MISSING_CREDENTIALS = 'MISSING_CREDENTIALS',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  /** The API key used up its request allowance; `Retry-After` says when to try again. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The client address failed to authenticate too often and is locked out for a while (any key, even a valid one). */
  TOO_MANY_AUTH_FAILURES = 'TOO_MANY_AUTH_FAILURES',
}

export class AuthError extends DomainError<AuthErrorCode> {
  readonly domain = 'auth';
}

/**
 * Why a presented key was refused. Only metrics see it: every reason answers the same 401 INVALID_CREDENTIALS, so
 * the response tells a guesser nothing about how close it came.
 */
export type InvalidCredentialsReason = 'malformed' | 'unknown_key' | 'wrong_secret';

export class InvalidCredentialsError extends AuthError {
  constructor(readonly reason: InvalidCredentialsReason) {
    super(AuthErrorCode.INVALID_CREDENTIALS, 'the API key is not valid');
  }
}

/** A refusal that ends by itself: the HTTP edge sends `Retry-After` with it. */
export class RateLimitError extends AuthError {
  constructor(
    readonly retryAfterSeconds: number,
    code: AuthErrorCode.RATE_LIMITED | AuthErrorCode.TOO_MANY_AUTH_FAILURES = AuthErrorCode.RATE_LIMITED,
    message = `too many requests for this API key; retry after ${retryAfterSeconds} s`,
  ) {
    super(code, message);
  }
}
