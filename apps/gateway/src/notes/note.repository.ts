import { Injectable } from '@nestjs/common';
import { PrismaService, type DatabaseTransaction } from '#database';

export interface NoteRecord {
  id: string;
  tenantId: string;
  externalId: string;
  text: string;
  requestedEngine: string;
  status: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExtractionRecord {
  id: string;
  status: string;
  engineName: string;
  engineModel: string;
  engineVersion: string;
  payload: unknown;
  flags: { code: string; severity: string; message: string; path: string }[];
}

export interface NewNote {
  id: string;
  tenantId: string;
  externalId: string;
  text: string;
  patientRef: string | null;
  encounterRef: string | null;
  requestedEngine: string;
}

const noteColumns = {
  id: true,
  tenantId: true,
  externalId: true,
  text: true,
  requestedEngine: true,
  status: true,
  createdAt: true,
  updatedAt: true,
} as const;

@Injectable()
export class NoteRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByExternalId(tenantId: string, externalId: string, tx?: DatabaseTransaction): Promise<NoteRecord | null> {
    return (tx ?? this.prisma.client).note.findUnique({
      where: { tenantId_externalId: { tenantId, externalId } },
      select: noteColumns,
    });
  }

  findById(tenantId: string, id: string): Promise<NoteRecord | null> {
    return this.prisma.client.note.findFirst({ where: { id, tenantId }, select: noteColumns });
  }

  async insert(note: NewNote, tx: DatabaseTransaction): Promise<void> {
    await tx.note.create({ data: { ...note, status: 'received' } });
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
        flags: { select: { code: true, severity: true, message: true, path: true } },
      },
    });
    return row;
  }
}
