import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { insertMedicationRows, moveNoteStatus, Prisma, PrismaService } from '#database';
import type { ClinicalExtraction } from '#schemas';
import type { ValidationFlag } from '#validation';

export interface ExtractionToStore {
  tenantId: string;
  noteId: string;
  engine: { name: string; model: string; version: string };
  status: 'accepted' | 'needs_review' | 'rejected';
  /** What the engine produced (stored even when rejected, for the reviewer and for debugging the engine). */
  payload: unknown;
  /** Set when the payload passed the schema, so its medications can be normalised into rows. */
  extraction: ClinicalExtraction | null;
  flags: ValidationFlag[];
}

export type StoreResult =
  | { kind: 'stored'; extractionId: string }
  | { kind: 'duplicate'; extractionId: string; status: ExtractionToStore['status']; flagCodes: string[] }
  | { kind: 'note_not_found' };

@Injectable()
export class ExtractionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Writes the extraction, its flags, its medication rows and the note's new status in one transaction.
   * Idempotent on (note, engine, engine version): a redelivered message finds the first write and stores nothing.
   */
  async store(input: ExtractionToStore): Promise<StoreResult> {
    return this.prisma.client.$transaction(async (tx) => {
      const note = await tx.note.findFirst({
        where: { id: input.noteId, tenantId: input.tenantId },
        select: { id: true },
      });
      if (!note) return { kind: 'note_not_found' } as const;

      const existing = await tx.extraction.findUnique({
        where: {
          noteId_engineName_engineVersion: {
            noteId: input.noteId,
            engineName: input.engine.name,
            engineVersion: input.engine.version,
          },
        },
        select: { id: true, status: true, flags: { select: { code: true } } },
      });
      if (existing) {
        return {
          kind: 'duplicate',
          extractionId: existing.id,
          status: existing.status,
          flagCodes: existing.flags.map((f) => f.code),
        } as const;
      }

      const extractionId = randomUUID();
      await tx.extraction.create({
        data: {
          id: extractionId,
          tenantId: input.tenantId,
          noteId: input.noteId,
          engineName: input.engine.name,
          engineModel: input.engine.model,
          engineVersion: input.engine.version,
          status: input.status,
          payload: input.payload as Prisma.InputJsonValue,
        },
      });
      if (input.flags.length > 0) {
        await tx.extractionFlag.createMany({
          data: input.flags.map((f) => ({ id: randomUUID(), tenantId: input.tenantId, extractionId, ...f })),
        });
      }
      const medications = input.extraction?.medications ?? [];
      await insertMedicationRows(tx, input.tenantId, extractionId, medications);
      await moveNoteStatus(tx, { tenantId: input.tenantId, noteId: input.noteId, to: input.status });
      return { kind: 'stored', extractionId } as const;
    });
  }
}
