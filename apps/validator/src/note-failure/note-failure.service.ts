import { Injectable } from '@nestjs/common';
import { moveNoteStatus, PrismaService } from '#database';
import { Outcome, type MessageOutcome } from '#platform';
import { Type } from '@sinclair/typebox';
import { compileContract, EXTRACTIONS_RAW_TOPIC, NOTES_SUBMITTED_TOPIC, type DeadLetter } from '#schemas';

/** The topics whose messages are about one note (they carry its tenantId and noteId). */
const NOTE_TOPICS: ReadonlySet<string> = new Set([NOTES_SUBMITTED_TOPIC, EXTRACTIONS_RAW_TOPIC]);
// Only the two ids of the original message are read, with the contracts' own uuid format: a message that failed its
// full schema may still name its note.
const checkNoteIds = compileContract(
  Type.Object({ tenantId: Type.String({ format: 'uuid' }), noteId: Type.String({ format: 'uuid' }) }),
);
/** A handler's failure detail starts with its error code (`CODE: detail`, see MessageRunner). */
const LEADING_CODE = /^([A-Za-z][A-Za-z0-9_.-]{0,63}):/;

export interface DeadNote {
  tenantId: string;
  noteId: string;
}

/** The note a dead letter is about, read from the original message; null when it names none (or cannot be read). */
export function noteOfDeadLetter(letter: DeadLetter): DeadNote | null {
  if (!NOTE_TOPICS.has(letter.sourceTopic)) return null;
  let original: unknown;
  try {
    original = JSON.parse(Buffer.from(letter.payloadBase64, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  const ids = checkNoteIds(original);
  return ids.ok ? { tenantId: ids.value.tenantId, noteId: ids.value.noteId } : null;
}

/**
 * What the hospital is told: the dead letter's reason and the handler's error code, e.g.
 * `retries_exhausted (ENGINE_TIMEOUT)`. The rest of the detail stays in the dead letter: it can name internal hosts,
 * and the code is what an integration engineer acts on.
 */
export function failureReasonOf(letter: DeadLetter): string {
  const code = LEADING_CODE.exec(letter.detail)?.[1];
  return code && code !== letter.reason ? `${letter.reason} (${code})` : letter.reason;
}

/**
 * Ends a note whose message was dead-lettered: the note goes to `failed` with the reason, so a hospital polling it
 * sees that it will not be processed instead of `extracting` forever. A note that already has an outcome keeps it
 * (the note-status table refuses the move), and the dead letter is skipped.
 */
@Injectable()
export class NoteFailureService {
  constructor(private readonly prisma: PrismaService) {}

  async recordDeadLetter(letter: DeadLetter): Promise<MessageOutcome> {
    const note = noteOfDeadLetter(letter);
    if (!note) return Outcome.skipped(`dead letter from ${letter.sourceTopic} names no note`);
    const moved = await moveNoteStatus(this.prisma.client, {
      ...note,
      to: 'failed',
      failureReason: failureReasonOf(letter),
    });
    return moved ? Outcome.success() : Outcome.skipped('note not found or no longer in flight');
  }
}
