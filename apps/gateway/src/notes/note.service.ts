import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma, PrismaService } from '#database';
import { NOTES_SUBMITTED_TOPIC, type NoteSubmitted } from '#schemas';
import type { Principal } from '../auth/principal.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { OutboxRelay } from '../outbox/outbox.relay.js';
import { OutboxRepository } from '../outbox/outbox.repository.js';
import type { NoteAcceptedResponse, NoteStatusResponse, SubmitNoteBody } from './note.dto.js';
import { NoteError, NoteErrorCode } from './note.errors.js';
import { NoteRepository, type NoteRecord } from './note.repository.js';

@Injectable()
export class NoteService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly notes: NoteRepository,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Stores the note and its outbox event in one transaction; the caller hears "accepted" only after the commit.
   * A retry with the same tenant note id and the same content gets the original answer; different content is a
   * conflict, never an overwrite.
   */
  async submit(principal: Principal, body: SubmitNoteBody): Promise<NoteAcceptedResponse> {
    if (body.text.length > this.config.MAX_NOTE_CHARS) {
      throw new NoteError(
        NoteErrorCode.NOTE_TOO_LONG,
        `text is longer than ${this.config.MAX_NOTE_CHARS} characters`,
        'text',
      );
    }
    const engine = body.engine ?? this.config.DEFAULT_ENGINE;
    try {
      const note = await this.prisma.client.$transaction(async (tx) => {
        const existing = await this.notes.findByExternalId(principal.tenantId, body.externalId, tx);
        if (existing) return this.sameSubmission(existing, body, engine);
        const id = randomUUID();
        await this.notes.insert(
          {
            id,
            tenantId: principal.tenantId,
            externalId: body.externalId,
            text: body.text,
            patientRef: body.patientRef ?? null,
            encounterRef: body.encounterRef ?? null,
            requestedEngine: engine,
          },
          tx,
        );
        const message: NoteSubmitted = {
          version: 1,
          messageId: randomUUID(),
          tenantId: principal.tenantId,
          noteId: id,
          externalId: body.externalId,
          text: body.text,
          requestedEngine: engine,
          ...(body.promptVariant ? { promptVariant: body.promptVariant } : {}),
          submittedAt: new Date().toISOString(),
        };
        await this.outbox.append(tx, {
          tenantId: principal.tenantId,
          topic: NOTES_SUBMITTED_TOPIC,
          messageKey: id,
          payload: message,
        });
        return { id, externalId: body.externalId, status: 'received' };
      });
      this.relay.nudge();
      return this.accepted(note);
    } catch (error) {
      // Two concurrent first submissions of the same note: the loser answers from the winner's row.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        const winner = await this.notes.findByExternalId(principal.tenantId, body.externalId);
        if (winner) return this.accepted(this.sameSubmission(winner, body, engine));
      }
      throw error;
    }
  }

  async status(principal: Principal, id: string): Promise<NoteStatusResponse> {
    const note = await this.notes.findById(principal.tenantId, id);
    if (!note) throw new NoteError(NoteErrorCode.NOTE_NOT_FOUND, 'no note with this id for your tenant', 'id');
    const extraction = await this.notes.latestExtraction(principal.tenantId, id);
    return {
      id: note.id,
      externalId: note.externalId,
      status: note.status,
      createdAt: note.createdAt.toISOString(),
      updatedAt: note.updatedAt.toISOString(),
      extraction: extraction && {
        id: extraction.id,
        status: extraction.status,
        engine: { name: extraction.engineName, model: extraction.engineModel, version: extraction.engineVersion },
        flags: extraction.flags,
        data: extraction.payload,
      },
    };
  }

  private sameSubmission(
    existing: NoteRecord,
    body: SubmitNoteBody,
    engine: string,
  ): Pick<NoteRecord, 'id' | 'externalId' | 'status'> {
    if (existing.text !== body.text || existing.requestedEngine !== engine) {
      throw new NoteError(
        NoteErrorCode.EXTERNAL_ID_CONFLICT,
        'externalId was already used for a note with different content',
        'externalId',
      );
    }
    return existing;
  }

  private accepted(note: Pick<NoteRecord, 'id' | 'externalId' | 'status'>): NoteAcceptedResponse {
    return { id: note.id, externalId: note.externalId, status: note.status, statusUrl: `/v1/notes/${note.id}` };
  }
}
