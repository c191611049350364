import { DomainError } from '#platform';

export enum AuthErrorCode {
  MISSING_CREDENTIALS = 'MISSING_CREDENTIALS',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
}

export class AuthError extends DomainError<AuthErrorCode> {
  readonly domain = 'auth';
}
