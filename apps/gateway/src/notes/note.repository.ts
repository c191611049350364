import { Injectable } from '@nestjs/common';
import { PrismaService, type DatabaseTransaction, type StoredNoteStatus } from '#database';

export interface NoteRecord {
  id: string;
  tenantId: string;
  externalId: string;
  text: string;
  patientRef: string | null;
  encounterRef: string | null;
  requestedEngine: string;
  /** Finance (issue 8): set when the gateway ran another engine than asked ("budget": hard limit reached). */
  engineFallback: string | null;
  status: StoredNoteStatus;
  /** Set with status `failed`: why the pipeline gave the note up (dead-letter reason and error code). */
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NoteSummaryRecord = Pick<NoteRecord, 'id' | 'externalId' | 'status' | 'createdAt' | 'updatedAt'>;

export interface ExtractionRecord {
  id: string;
  status: 'accepted' | 'needs_review' | 'rejected';
  engineName: string;
  engineModel: string;
  engineVersion: string;
  payload: unknown;
  flags: { code: string; severity: string; message: string; path: string }[];
  createdAt: Date;
}

export interface NewNote {
  id: string;
  tenantId: string;
  externalId: string;
  text: string;
  patientRef: string | null;
  encounterRef: string | null;
  requestedEngine: string;
  engineFallback?: string | null;
}

/** A position in the (updatedAt, id) order of a tenant's notes. */
export interface NotePosition {
  updatedAt: Date;
  id: string;
}

const noteColumns = {
  id: true,
  tenantId: true,
  externalId: true,
  text: true,
  patientRef: true,
  encounterRef: true,
  requestedEngine: true,
  engineFallback: true,
  status: true,
  failureReason: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** What a retry is compared against: the stored note that holds a tenant's externalId. */
export type PriorNote = Pick<
  NoteRecord,
  'id' | 'externalId' | 'text' | 'requestedEngine' | 'engineFallback' | 'status'
>;

interface PriorNoteRow {
  id: string;
  text: string;
  requested_engine: string;
  engine_fallback: string | null;
  status: StoredNoteStatus;
}

// $1 id, $2 tenant, $3 externalId, $4 text, $5 patientRef, $6 encounterRef, $7 engine, $8 fallback, $9 topic,
// $10 payload. The outbox row's message key is the note id, as OutboxRepository.appendMany writes it.
const INSERT_WITH_EVENT = `
  WITH inserted AS (
    INSERT INTO notes (id, tenant_id, external_id, text, patient_ref, encounter_ref, requested_engine, engine_fallback)
    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (tenant_id, external_id) DO NOTHING
    RETURNING id),
  event AS (
    INSERT INTO outbox_events (tenant_id, topic, message_key, payload)
    SELECT $2::uuid, $9, id::text, $10::jsonb FROM inserted)
  SELECT true AS created, id, NULL AS text, NULL AS requested_engine, NULL AS engine_fallback, NULL AS status
    FROM inserted
  UNION ALL
  SELECT false, id, text, requested_engine, engine_fallback, status::text
    FROM notes
   WHERE tenant_id = $2::uuid AND external_id = $3 AND NOT EXISTS (SELECT 1 FROM inserted)`;

@Injectable()
export class NoteRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByExternalIds(tenantId: string, externalIds: string[], tx?: DatabaseTransaction): Promise<NoteRecord[]> {
    return (tx ?? this.prisma.client).note.findMany({
      where: { tenantId, externalId: { in: externalIds } },
      select: noteColumns,
    });
  }

  findById(tenantId: string, id: string): Promise<NoteRecord | null> {
    return this.prisma.client.note.findFirst({ where: { id, tenantId }, select: noteColumns });
  }

  /**
   * One note and its outbox event in a single statement (one round trip, atomic without an interactive
   * transaction): the note is inserted unless the tenant already has its externalId, and the event only with a new
   * note. Returns null when it was inserted, else the note that holds the externalId. A concurrent insert of the
   * same externalId that commits while this statement waits is invisible to its snapshot; that round returns
   * nothing and the statement runs again, which then sees the winner.
   */
  async insertWithEvent(note: NewNote, event: { topic: string; payload: unknown }): Promise<PriorNote | null> {
    for (let attempt = 1; ; attempt++) {
      const rows = await this.prisma.sql.query<{ created: boolean } & PriorNoteRow>(
        INSERT_WITH_EVENT,
        [
          note.id,
          note.tenantId,
          note.externalId,
          note.text,
          note.patientRef,
          note.encounterRef,
          note.requestedEngine,
          note.engineFallback ?? null,
          event.topic,
          JSON.stringify(event.payload),
        ],
        'note-insert-with-event',
      );
      const row = rows[0];
      if (row?.created) return null;
      if (row) {
        return {
          id: row.id,
          externalId: note.externalId,
          text: row.text,
          requestedEngine: row.requested_engine,
          engineFallback: row.engine_fallback,
          status: row.status,
        };
      }
      if (attempt >= 3) throw new Error('externalId neither inserted nor found after 3 rounds');
    }
  }

  async insertMany(notes: NewNote[], tx: DatabaseTransaction): Promise<void> {
    if (notes.length === 0) return;
    await tx.note.createMany({ data: notes.map((note) => ({ ...note, status: 'received' as const })) });
  }

  /** One page of a tenant's notes in (updatedAt, id) order, after `after` when given. */
  list(
    tenantId: string,
    filter: { statuses: StoredNoteStatus[] | null; since: Date | null; after: NotePosition | null; limit: number },
  ): Promise<NoteSummaryRecord[]> {
    const { statuses, since, after, limit } = filter;
    return this.prisma.client.note.findMany({
      where: {
        tenantId,
        ...(statuses ? { status: { in: statuses } } : {}),
        ...(since ? { updatedAt: { gte: since } } : {}),
        ...(after
          ? {
              OR: [{ updatedAt: { gt: after.updatedAt } }, { updatedAt: after.updatedAt, id: { gt: after.id } }],
            }
          : {}),
      },
      orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      take: limit,
      select: { id: true, externalId: true, status: true, createdAt: true, updatedAt: true },
    });
  }

  async latestExtraction(tenantId: string, noteId: string): Promise<ExtractionRecord | null> {
    const row = await this.prisma.client.extraction.findFirst({
      where: { tenantId, noteId },
      orderBy: { createdAt: 'desc' },
      select: {
        id: true,
        status: true,
        engineName: true,
        engineModel: true,
        engineVersion: true,
        payload: true,
        createdAt: true,
        flags: { select: { code: true, severity: true, message: true, path: true } },
      },
    });
    return row;
  }
}
