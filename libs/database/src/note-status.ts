import { Prisma } from './generated/prisma/client.js';
import type { DatabaseClient, DatabaseTransaction } from './prisma.service.js';

/** What the pipeline stores in `notes.status` (the NoteStatus enum of schema.prisma), in lifecycle order. */
export const STORED_NOTE_STATUSES = [
  'received',
  'queued',
  'extracted',
  'accepted',
  'needs_review',
  'rejected',
  'failed',
] as const;
export type StoredNoteStatus = (typeof STORED_NOTE_STATUSES)[number];

/** An extraction's outcome: the validator writes one for each new extraction, a reviewer's decision another. */
const OUTCOMES = ['accepted', 'needs_review', 'rejected'] as const;

/**
 * Every legal move of a note's status, from → to. Whoever writes `notes.status` goes through `moveNoteStatus`, which
 * applies this table in the UPDATE itself, so two writers racing cannot leave an illegal status:
 * - the relay's `queued` only follows `received`: an extraction that finished before the relay marked its event sent
 *   keeps its outcome;
 * - `failed` (a message of the note was dead-lettered) only ends a note still in flight: a stale duplicate that fails
 *   later does not undo an outcome the hospital has already read;
 * - an outcome may follow any status: a newer extraction (another engine version, a replayed message) or a reviewer's
 *   decision replaces the last one, and a replay that succeeds after a dead letter recovers a `failed` note;
 * - nothing ever goes back to `received`.
 */
export const NOTE_STATUS_MOVES: Readonly<Record<StoredNoteStatus, readonly StoredNoteStatus[]>> = {
  received: ['queued', 'extracted', ...OUTCOMES, 'failed'],
  queued: ['extracted', ...OUTCOMES, 'failed'],
  extracted: [...OUTCOMES, 'failed'],
  accepted: OUTCOMES,
  needs_review: OUTCOMES,
  rejected: OUTCOMES,
  failed: OUTCOMES,
};

/** The statuses a note may be in for a move to `to`. */
export function noteStatusesBefore(to: StoredNoteStatus): StoredNoteStatus[] {
  return STORED_NOTE_STATUSES.filter((from) => NOTE_STATUS_MOVES[from].includes(to));
}

export interface NoteStatusMove {
  tenantId: string;
  noteId: string;
  to: StoredNoteStatus;
  /** Why a note failed (a dead-letter reason and its error codes, never note text); cleared by any other move. */
  failureReason?: string;
}

/**
 * Moves one note of one tenant to `to` when the table allows it from the note's current status; returns whether it
 * moved. A refused move changes nothing (the caller reports it as skipped, not as an error).
 */
export async function moveNoteStatus(db: DatabaseTransaction | DatabaseClient, move: NoteStatusMove): Promise<boolean> {
  const reason = move.to === 'failed' ? (move.failureReason ?? null) : null;
  const moved = await db.$executeRaw(Prisma.sql`
    UPDATE notes SET status = ${move.to}::"NoteStatus", failure_reason = ${reason}, updated_at = now()
     WHERE id = ${move.noteId}::uuid AND tenant_id = ${move.tenantId}::uuid
       AND status::text = ANY(${noteStatusesBefore(move.to)}::text[])`);
  return moved === 1;
}
