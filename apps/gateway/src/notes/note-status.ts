import { STORED_NOTE_STATUSES, type StoredNoteStatus } from '#database';

/**
 * The status a client sees, and how it maps onto what the pipeline stores (NoteStatus in schema.prisma):
 * - queued: accepted and committed, waiting for the outbox relay to hand it to the pipeline (stored `received`);
 * - extracting: handed to the extraction engines, result not validated yet (stored `queued` or `extracted`);
 * - validated: the extraction passed every check (stored `accepted`);
 * - needs_review: stored, but a clinical reviewer must confirm it;
 * - rejected: the extraction failed validation;
 * - failed: the note could not be processed at all (a message of it was dead-lettered; `failureReason` says why).
 */
export const NOTE_STATUSES = ['queued', 'extracting', 'validated', 'needs_review', 'rejected', 'failed'] as const;
export type NoteStatus = (typeof NOTE_STATUSES)[number];

const PUBLIC_STATUS: Record<StoredNoteStatus, NoteStatus> = {
  received: 'queued',
  queued: 'extracting',
  extracted: 'extracting',
  accepted: 'validated',
  needs_review: 'needs_review',
  rejected: 'rejected',
  failed: 'failed',
};

/** Statuses after which nothing more happens to a note without a reviewer. */
export const FINAL_NOTE_STATUSES: readonly NoteStatus[] = ['validated', 'needs_review', 'rejected', 'failed'];

export function publicStatus(stored: StoredNoteStatus): NoteStatus {
  return PUBLIC_STATUS[stored];
}

export function storedStatuses(statuses: readonly NoteStatus[]): StoredNoteStatus[] {
  return STORED_NOTE_STATUSES.filter((s) => statuses.includes(PUBLIC_STATUS[s]));
}
