import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '#platform';
import { randomUUID } from 'node:crypto';
import type { DatabaseTransaction } from '#database';
import {
  ClinicalExtractionSchema,
  compileContract,
  NOTES_SUBMITTED_TOPIC,
  type ClinicalExtraction,
  type NoteSubmitted,
} from '#schemas';
import type { Principal } from '../auth/principal.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { BudgetGuard } from '../finance/budget.guard.js';
import { toFhirBundle, type FhirBundle } from '../fhir/fhir-bundle.mapper.js';
import { problemOf } from '../http/domain-error.filter.js';
import { RequestError, RequestErrorCode } from '../http/request-validation.js';
import { IdempotencyService, requestHash, type IdempotentOutcome } from '../idempotency/idempotency.service.js';
import { OutboxRelay } from '../outbox/outbox.relay.js';
import { OutboxRepository, type NewOutboxEvent } from '../outbox/outbox.repository.js';
import type {
  BatchAcceptedResponse,
  BatchItemResult,
  NoteAcceptedResponse,
  NoteListQuery,
  NoteListResponse,
  NoteStatusResponse,
  SubmitBatchBody,
  SubmitNoteBody,
} from './note.dto.js';
import { NoteError, NoteErrorCode } from './note.errors.js';
import { NoteRepository, type NewNote, type NotePosition, type NoteRecord, type PriorNote } from './note.repository.js';
import { publicStatus, storedStatuses, type NoteStatus } from './note-status.js';

type WriteResult =
  { kind: 'created' | 'existing'; note: NoteAcceptedResponse } | { kind: 'conflict'; error: NoteError };

const checkExtraction = compileContract(ClinicalExtractionSchema);

@Injectable()
export class NoteService {
  constructor(
    private readonly notes: NoteRepository,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
    private readonly idempotency: IdempotencyService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly budget: BudgetGuard,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Stores the note and its outbox event in one transaction; the caller hears "accepted" only after the commit.
   * A retry with the same tenant note id and the same content gets the original note; different content is a
   * conflict, never an overwrite. With an Idempotency-Key the whole response is replayed.
   */
  async submit(
    principal: Principal,
    body: SubmitNoteBody,
    idempotencyKey: string | null,
  ): Promise<IdempotentOutcome<NoteAcceptedResponse>> {
    this.checkSize(body.text, '/text');
    if (idempotencyKey === null) {
      // The common case: one statement writes the note and its event (bench/ingest.bench.ts measures why).
      const result = await this.metrics.time('gateway', () => this.writeOne(principal, body));
      if (result.kind === 'conflict') throw result.error;
      if (result.kind === 'created') this.relay.nudge();
      return { status: 202, body: result.note, replayed: false };
    }
    const scope = {
      tenantId: principal.tenantId,
      key: idempotencyKey,
      requestHash: requestHash('POST', '/v1/notes', body),
    };
    // The gateway's share of the pipeline: the note and its outbox row committed.
    const outcome = await this.metrics.time('gateway', () =>
      this.idempotency.execute(scope, async (tx) => {
        const [result] = await this.write(principal, [body], tx);
        if (!result || result.kind === 'conflict') throw result?.error ?? new Error('no result for the note');
        return { status: 202, body: result.note };
      }),
    );
    if (!outcome.replayed) this.relay.nudge();
    return outcome;
  }

  /**
   * A batch is checked as a whole first (schema, count, sizes: any error refuses it all and writes nothing); then
   * each note is accepted or refused on its own (a tenant note id reused with different content), all in one
   * transaction. 202 when every note was accepted, 207 when some were not; `results` says which.
   */
  async submitBatch(
    principal: Principal,
    body: SubmitBatchBody,
    idempotencyKey: string | null,
  ): Promise<IdempotentOutcome<BatchAcceptedResponse>> {
    body.notes.forEach((note, i) => this.checkSize(note.text, `/notes/${i}/text`));
    const scope = {
      tenantId: principal.tenantId,
      key: idempotencyKey,
      requestHash: requestHash('POST', '/v1/notes/batch', body),
    };
    const outcome = await this.idempotency.execute(scope, async (tx) => {
      const results = await this.write(principal, body.notes, tx);
      const items = results.map((result, index): BatchItemResult => {
        const externalId = body.notes[index]!.externalId;
        if (result.kind === 'conflict') {
          const error = problemOf(result.error);
          return { index, externalId, status: error.status, outcome: 'rejected', error };
        }
        return { index, externalId, status: 202, outcome: result.kind, note: result.note };
      });
      const rejected = items.filter((i) => i.outcome === 'rejected').length;
      return {
        status: rejected > 0 ? 207 : 202,
        body: { accepted: items.length - rejected, rejected, results: items },
      };
    });
    if (!outcome.replayed) this.relay.nudge();
    return outcome;
  }

  async status(principal: Principal, id: string): Promise<NoteStatusResponse> {
    const note = await this.findNote(principal, id);
    const extraction = await this.notes.latestExtraction(principal.tenantId, id);
    const status = publicStatus(note.status);
    return {
      id: note.id,
      externalId: note.externalId,
      status,
      failureReason: status === 'failed' ? note.failureReason : null,
      patientRef: note.patientRef,
      encounterRef: note.encounterRef,
      createdAt: note.createdAt.toISOString(),
      updatedAt: note.updatedAt.toISOString(),
      fhirUrl: extraction && extraction.status !== 'rejected' ? `/v1/notes/${note.id}/fhir` : null,
      engineFallback:
        note.engineFallback === 'budget'
          ? { reason: 'budget', requestedEngine: 'llm', engine: note.requestedEngine }
          : null,
      extraction: extraction && {
        id: extraction.id,
        status: extraction.status,
        engine: { name: extraction.engineName, model: extraction.engineModel, version: extraction.engineVersion },
        flags: extraction.flags,
        data: this.extractionData(extraction.payload),
      },
    };
  }

  async list(principal: Principal, query: NoteListQuery): Promise<NoteListResponse> {
    const limit = query.limit ? Number(query.limit) : 50;
    const statuses = query.status ? storedStatuses(query.status.split(',') as NoteStatus[]) : null;
    const rows = await this.notes.list(principal.tenantId, {
      statuses,
      since: query.since ? new Date(query.since) : null,
      after: query.cursor ? decodeCursor(query.cursor) : null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((n) => ({
        id: n.id,
        externalId: n.externalId,
        status: publicStatus(n.status),
        createdAt: n.createdAt.toISOString(),
        updatedAt: n.updatedAt.toISOString(),
        statusUrl: `/v1/notes/${n.id}`,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  async fhir(principal: Principal, id: string): Promise<FhirBundle> {
    const note = await this.findNote(principal, id);
    const extraction = await this.notes.latestExtraction(principal.tenantId, id);
    if (!extraction || extraction.status === 'rejected') {
      throw new NoteError(
        NoteErrorCode.NOTE_NOT_READY,
        `the note is ${publicStatus(note.status)}: a FHIR Bundle exists once its extraction is validated or in review`,
        'id',
      );
    }
    return toFhirBundle({
      note,
      extraction: {
        id: extraction.id,
        status: extraction.status,
        createdAt: extraction.createdAt,
        data: this.extractionData(extraction.payload),
      },
    });
  }

  private async findNote(principal: Principal, id: string): Promise<NoteRecord> {
    const note = await this.notes.findById(principal.tenantId, id);
    if (!note) throw new NoteError(NoteErrorCode.NOTE_NOT_FOUND, 'no note with this id for your tenant', 'id');
    return note;
  }

  /** Stored extractions passed the contract when written; checking again keeps `unknown` from leaking out typed. */
  private extractionData(payload: unknown): ClinicalExtraction {
    const checked = checkExtraction(payload);
    if (!checked.ok) throw new Error(`stored extraction breaks the contract at ${checked.errors[0]?.path ?? '/'}`);
    return checked.value;
  }

  private checkSize(text: string, field: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > this.config.MAX_NOTE_BYTES) {
      throw new NoteError(
        NoteErrorCode.NOTE_TOO_LONG,
        `the note text is ${bytes} bytes; at most ${this.config.MAX_NOTE_BYTES} are accepted`,
        field,
      );
    }
  }

  /** One note without an Idempotency-Key: the same decisions as `write`, in a single statement. */
  private async writeOne(principal: Principal, item: SubmitNoteBody): Promise<WriteResult> {
    const fallback = await this.llmFallback(principal.tenantId, [item]);
    const { asked, engine } = engineOf(item, this.config.DEFAULT_ENGINE, fallback);
    const fresh = this.newNote(principal.tenantId, item, asked, engine, new Date().toISOString());
    const prior = await this.notes.insertWithEvent(fresh.note, fresh.event);
    return prior ? againstPrior(prior, item, asked) : fresh.result;
  }

  /** Writes the notes that are new, with one outbox event each, and says for every input what became of it. */
  private async write(principal: Principal, items: SubmitNoteBody[], tx: DatabaseTransaction): Promise<WriteResult[]> {
    const tenantId = principal.tenantId;
    const known = new Map<string, PriorNote>();
    const ids = [...new Set(items.map((i) => i.externalId))];
    for (const note of await this.notes.findByExternalIds(tenantId, ids, tx)) known.set(note.externalId, note);

    const fresh: NewNote[] = [];
    const events: NewOutboxEvent[] = [];
    const submittedAt = new Date().toISOString();
    const fallback = await this.llmFallback(tenantId, items);
    const results = items.map((item): WriteResult => {
      const { asked, engine } = engineOf(item, this.config.DEFAULT_ENGINE, fallback);
      const prior = known.get(item.externalId);
      if (prior) return againstPrior(prior, item, asked);
      const made = this.newNote(tenantId, item, asked, engine, submittedAt);
      fresh.push(made.note);
      events.push({ tenantId, messageKey: made.note.id, ...made.event });
      known.set(item.externalId, {
        ...made.note,
        engineFallback: made.note.engineFallback ?? null,
        status: 'received',
      });
      return made.result;
    });
    await this.notes.insertMany(fresh, tx);
    await this.outbox.appendMany(tx, events);
    return results;
  }

  /** Finance (issue 8): a tenant at its hard budget limit gets the fallback engine instead of the LLM. */
  private async llmFallback(tenantId: string, items: SubmitNoteBody[]): Promise<{ engine: string } | null> {
    const asksLlm = items.some((i) => (i.engine ?? this.config.DEFAULT_ENGINE) === 'llm');
    return asksLlm ? this.budget.llmFallback(tenantId) : null;
  }

  /** A new note for an input, with its notes.submitted event and the answer the client gets. */
  private newNote(tenantId: string, item: SubmitNoteBody, asked: string, engine: string, submittedAt: string) {
    const note: NewNote = {
      id: randomUUID(),
      tenantId,
      externalId: item.externalId,
      text: item.text,
      patientRef: item.patientRef ?? null,
      encounterRef: item.encounterRef ?? null,
      requestedEngine: engine,
      engineFallback: engine !== asked ? 'budget' : null,
    };
    const message: NoteSubmitted = {
      version: 1,
      messageId: randomUUID(),
      tenantId,
      noteId: note.id,
      externalId: note.externalId,
      text: note.text,
      requestedEngine: engine,
      ...(item.promptVariant ? { promptVariant: item.promptVariant } : {}),
      submittedAt,
    };
    const result: WriteResult = { kind: 'created', note: accepted({ ...note, status: 'received' }) };
    const event: Pick<NewOutboxEvent, 'topic' | 'payload'> = { topic: NOTES_SUBMITTED_TOPIC, payload: message };
    return { note, event, result };
  }
}

/** The engine an input asked for, and the one it gets (the budget fallback replaces the LLM). */
function engineOf(item: SubmitNoteBody, defaultEngine: string, fallback: { engine: string } | null) {
  const asked = item.engine ?? defaultEngine;
  return { asked, engine: asked === 'llm' && fallback ? fallback.engine : asked };
}

/** A retry of a stored note gets that note; the same externalId with other content is a conflict. */
function againstPrior(prior: PriorNote, item: SubmitNoteBody, asked: string): WriteResult {
  const priorAsked = prior.engineFallback === 'budget' ? 'llm' : prior.requestedEngine;
  if (prior.text !== item.text || priorAsked !== asked) {
    return {
      kind: 'conflict',
      error: new NoteError(
        NoteErrorCode.EXTERNAL_ID_CONFLICT,
        'externalId was already used for a note with different content',
        '/externalId',
      ),
    };
  }
  return { kind: 'existing', note: accepted(prior) };
}

function accepted(note: Pick<NoteRecord, 'id' | 'externalId' | 'status'>): NoteAcceptedResponse {
  return {
    id: note.id,
    externalId: note.externalId,
    status: publicStatus(note.status),
    statusUrl: `/v1/notes/${note.id}`,
  };
}

function encodeCursor(position: { updatedAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([position.updatedAt.toISOString(), position.id])).toString('base64url');
}

function decodeCursor(cursor: string): NotePosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const updatedAt = new Date(String(at));
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(updatedAt.getTime())) throw new Error();
    return { updatedAt, id };
  } catch {
    throw new RequestError(RequestErrorCode.INVALID_CURSOR, 'cursor is not one this API returned', [
      { field: 'cursor', detail: 'must be the nextCursor of a previous page' },
    ]);
  }
}
