import { DomainError } from '#platform';

export enum ReviewErrorCode {
  /** No extraction with this id for the caller's tenant (another tenant's id reads the same). */
  REVIEW_ITEM_NOT_FOUND = 'REVIEW_ITEM_NOT_FOUND',
  /** The item was already decided, or was never sent to review. */
  REVIEW_ITEM_NOT_PENDING = 'REVIEW_ITEM_NOT_PENDING',
  /** Another reviewer holds an unexpired claim on the item. */
  REVIEW_ITEM_CLAIMED = 'REVIEW_ITEM_CLAIMED',
  /** A change cannot be applied (bad pointer, protected field) or its result breaks the ClinicalExtraction schema. */
  CORRECTION_INVALID = 'CORRECTION_INVALID',
  /** A corrected value contradicts the note text its span points to. */
  CORRECTION_INCONSISTENT = 'CORRECTION_INCONSISTENT',
}

export interface ReviewErrorDetail {
  /** JSON pointer into the extraction (or into the changes list). */
  path: string;
  message: string;
}

export class ReviewError extends DomainError<ReviewErrorCode> {
  readonly domain = 'review';
  constructor(
    code: ReviewErrorCode,
    message: string,
    field?: string,
    /** Every problem found, for corrections; messages never quote note text or values. */
    readonly details: ReviewErrorDetail[] = [],
  ) {
    super(code, message, field);
  }
}
