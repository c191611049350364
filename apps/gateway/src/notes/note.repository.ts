import { Injectable } from '@nestjs/common';
import { PrismaService, type DatabaseTransaction } from '#database';
import type { StoredNoteStatus } from './note-status.js';

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
  createdAt: true,
  updatedAt: true,
} as const;

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
