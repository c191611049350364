import { DomainError } from '#platform';

export enum NoteErrorCode {
  NOTE_NOT_FOUND = 'NOTE_NOT_FOUND',
  /** The tenant's note id was already used for a note with different content. */
  EXTERNAL_ID_CONFLICT = 'EXTERNAL_ID_CONFLICT',
  /** The note text is over MAX_NOTE_BYTES. */
  NOTE_TOO_LONG = 'NOTE_TOO_LONG',
  /** The note has no validated extraction yet (or it was rejected), so there is nothing to render as FHIR. */
  NOTE_NOT_READY = 'NOTE_NOT_READY',
}

export class NoteError extends DomainError<NoteErrorCode> {
  readonly domain = 'notes';
}
