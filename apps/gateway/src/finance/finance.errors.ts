import { DomainError } from '#platform';

export enum FinanceErrorCode {
  /** A tenant key (finance or admin) named another tenant: only the platform operator's key spans tenants. */
  TENANT_FORBIDDEN = 'TENANT_FORBIDDEN',
  TENANT_NOT_FOUND = 'TENANT_NOT_FOUND',
  /** `from` after `to`, or a range longer than MAX_RANGE_DAYS. */
  INVALID_RANGE = 'INVALID_RANGE',
  /** A new price version must take effect now or later: recorded events keep the price they were given. */
  PRICE_EFFECTIVE_IN_PAST = 'PRICE_EFFECTIVE_IN_PAST',
  /** A version for this engine and model already starts at that instant. */
  PRICE_VERSION_EXISTS = 'PRICE_VERSION_EXISTS',
  /** The hard limit is below the soft limit. */
  INVALID_BUDGET = 'INVALID_BUDGET',
  /**
   * A webhook URL the gateway may not call: not http(s), credentials in it, a port not allowed, or a host that is or
   * resolves to a loopback, private, link-local, CGNAT, unspecified, multicast or reserved address.
   */
  WEBHOOK_DESTINATION_FORBIDDEN = 'WEBHOOK_DESTINATION_FORBIDDEN',
}

export class FinanceError extends DomainError<FinanceErrorCode> {
  readonly domain = 'finance';
}

export const financeStatus: Record<FinanceErrorCode, number> = {
  [FinanceErrorCode.TENANT_FORBIDDEN]: 403,
  [FinanceErrorCode.TENANT_NOT_FOUND]: 404,
  [FinanceErrorCode.INVALID_RANGE]: 400,
  [FinanceErrorCode.PRICE_EFFECTIVE_IN_PAST]: 422,
  [FinanceErrorCode.PRICE_VERSION_EXISTS]: 409,
  [FinanceErrorCode.INVALID_BUDGET]: 422,
  [FinanceErrorCode.WEBHOOK_DESTINATION_FORBIDDEN]: 400,
};
