import { DomainError } from '#platform';

export enum AdminErrorCode {
  /** No API key with this id in the caller's tenant. */
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
  TENANT_NOT_FOUND = 'TENANT_NOT_FOUND',
  /** A tenant with this slug already exists. */
  TENANT_EXISTS = 'TENANT_EXISTS',
}

export class AdminError extends DomainError<AdminErrorCode> {
  readonly domain = 'admin';
}
