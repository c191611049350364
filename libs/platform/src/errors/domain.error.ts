/**
 * Domain errors carry a code from their module's enum; each edge (HTTP filter, Kafka handler) maps codes
 * exhaustively to its own transport, so services never know about HTTP statuses or offsets.
 */
export abstract class DomainError<Code extends string> extends Error {
  abstract readonly domain: string;
  constructor(
    readonly code: Code,
    message: string,
    /** The request field or message path the error is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
