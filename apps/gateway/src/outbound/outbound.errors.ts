import { DomainError } from '#platform';

export enum OutboundErrorCode {
  /** The URL's scheme, credentials, port or host (or an address the host resolves to) may not be reached. */
  DESTINATION_FORBIDDEN = 'DESTINATION_FORBIDDEN',
}

/** A request the gateway will not send; each caller says what it means for its own API (a 400 for a webhook URL). */
export class OutboundError extends DomainError<OutboundErrorCode> {
  readonly domain = 'outbound';
}
