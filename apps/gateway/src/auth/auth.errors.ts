import { DomainError } from '#platform';

export enum AuthErrorCode {
  MISSING_CREDENTIALS = 'MISSING_CREDENTIALS',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  /** The API key used up its request allowance; `Retry-After` says when to try again. */
  RATE_LIMITED = 'RATE_LIMITED',
  /**
   * The client address failed to authenticate too often and is locked out for a while: every request of it without
   * a valid key gets this instead of 401 (a valid key is still served).
   */
  TOO_MANY_AUTH_FAILURES = 'TOO_MANY_AUTH_FAILURES',
}

export class AuthError extends DomainError<AuthErrorCode> {
  readonly domain = 'auth';
}

/**
 * Why a presented key was refused, for this process only: every reason answers the same 401 INVALID_CREDENTIALS,
 * and metrics count them all as one (clinex_gateway_auth_failed_total), so neither tells a guesser how close it came
 * or whether a key id exists. `revoked`: a key verified before and revoked since; `not_verified`: a key the
 * brute-force guard did not let this locked-out client have verified yet.
 */
export type InvalidCredentialsReason = 'malformed' | 'unknown_key' | 'wrong_secret' | 'revoked' | 'not_verified';

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
