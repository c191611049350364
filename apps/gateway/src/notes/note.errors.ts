import { DomainError } from '#platform';

export enum NoteErrorCode {
  NOTE_NOT_FOUND = 'NOTE_NOT_FOUND',
  /** The tenant's note id was already used for a note with different content. */
  EXTERNAL_ID_CONFLICT = 'EXTERNAL_ID_CONFLICT',
  NOTE_TOO_LONG = 'NOTE_TOO_LONG',
}

export class NoteError extends DomainError<NoteErrorCode> {
  readonly domain = 'notes';
}
