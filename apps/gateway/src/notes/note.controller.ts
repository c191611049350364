import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.guard.js';
import { ApiIdempotencyKey, ApiJsonBody, ApiJsonResponse, ApiProblems } from '../docs/openapi.decorators.js';
import type { FhirBundle } from '../fhir/fhir-bundle.mapper.js';
import { BatchLimitPipe, ContractPipe, UuidPipe } from '../http/request-validation.js';
import { IdempotencyKey } from '../idempotency/idempotency-key.decorator.js';
import type { IdempotentOutcome } from '../idempotency/idempotency.service.js';
import {
  NoteListQuerySchema,
  SubmitBatchBodySchema,
  SubmitNoteBodySchema,
  type BatchAcceptedResponse,
  type NoteAcceptedResponse,
  type NoteListQuery,
  type NoteListResponse,
  type NoteStatusResponse,
  type SubmitBatchBody,
  type SubmitNoteBody,
} from './note.dto.js';
import { NoteService } from './note.service.js';

/** Sends an idempotent outcome with its own status, marking a replay. */
function answer<T>(reply: FastifyReply, outcome: IdempotentOutcome<T>): T {
  void reply.status(outcome.status);
  if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
  return outcome.body;
}

@ApiTags('notes')
@ApiBearerAuth()
@Controller('v1/notes')
export class NoteController {
  constructor(private readonly notes: NoteService) {}

  @Post()
  @Roles('submitter', 'admin')
  @ApiOperation({
    summary: 'Submit one note for extraction',
    description:
      'Answers 202 once the note and its outbox event are committed. A repeat with the same externalId and ' +
      'content returns the original note; different content under the same externalId is 409 EXTERNAL_ID_CONFLICT.',
  })
  @ApiIdempotencyKey()
  @ApiJsonBody('SubmitNoteRequest')
  @ApiJsonResponse(202, 'NoteAccepted', 'Accepted: stored and queued for extraction')
  @ApiProblems(400, 409, 413, 415)
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Body(new ContractPipe(SubmitNoteBodySchema)) body: SubmitNoteBody,
    @IdempotencyKey() idempotencyKey: string | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NoteAcceptedResponse> {
    return answer(reply, await this.notes.submit(principal, body, idempotencyKey));
  }

  @Post('batch')
  @Roles('submitter', 'admin')
  @ApiOperation({
    summary: 'Submit several notes at once',
    description:
      'The batch is validated as a whole: a schema error, an oversized note or more than MAX_BATCH_NOTES notes ' +
      'refuses all of it and nothing is written. Then each note is accepted or refused on its own (an externalId ' +
      'reused with different content), in one transaction: 202 when all were accepted, 207 when some were not.',
  })
  @ApiIdempotencyKey()
  @ApiJsonBody('SubmitBatchRequest')
  @ApiJsonResponse(202, 'BatchAccepted', 'Every note accepted')
  @ApiJsonResponse(207, 'BatchAccepted', 'Some notes refused: see each result’s status and error')
  @ApiProblems(400, 409, 413, 415)
  async submitBatch(
    @CurrentPrincipal() principal: Principal,
    @Body(BatchLimitPipe, new ContractPipe(SubmitBatchBodySchema)) body: SubmitBatchBody,
    @IdempotencyKey() idempotencyKey: string | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BatchAcceptedResponse> {
    return answer(reply, await this.notes.submitBatch(principal, body, idempotencyKey));
  }

  @Get()
  @Roles('submitter', 'reviewer', 'admin')
  @ApiOperation({
    summary: "List your tenant's notes by last change",
    description:
      'Ordered by updatedAt then id, oldest first, so polling with `since` (or following nextCursor) sees every ' +
      'change: a note that changes while you page through moves to the end and is listed again.',
  })
  @ApiQuery({ name: 'status', required: false, description: 'queued, extracting, validated, needs_review, ...' })
  @ApiQuery({ name: 'since', required: false, description: 'RFC 3339 instant: notes changed at or after it' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiJsonResponse(200, 'NoteList', 'One page of notes')
  @ApiProblems(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ContractPipe(NoteListQuerySchema, 'query')) query: NoteListQuery,
  ): Promise<NoteListResponse> {
    return this.notes.list(principal, query);
  }

  @Get(':id')
  @Roles('submitter', 'reviewer', 'admin')
  @ApiOperation({ summary: 'Read a note: its status and, once processed, the extraction with its flags' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, 'Note', 'The note')
  @ApiProblems(400, 404)
  status(@CurrentPrincipal() principal: Principal, @Param('id', UuidPipe) id: string): Promise<NoteStatusResponse> {
    return this.notes.status(principal, id);
  }

  @Get(':id/fhir')
  @Roles('submitter', 'reviewer', 'admin')
  @ApiOperation({
    summary: 'The extraction as a FHIR R4 Bundle',
    description:
      'A collection Bundle: DocumentReference (the note), Patient, MedicationStatement (UCUM dose, GTS timing, ' +
      'SNOMED route; not-taken when negated), AllergyIntolerance, Condition, Observation, and a Provenance linking ' +
      'them to the note. 409 NOTE_NOT_READY until the extraction is validated or in review.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, 'FhirBundle', 'FHIR R4 Bundle', 'application/fhir+json')
  @ApiProblems(400, 404, 409)
  async fhir(
    @CurrentPrincipal() principal: Principal,
    @Param('id', UuidPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FhirBundle> {
    const bundle = await this.notes.fhir(principal, id);
    void reply.header('content-type', 'application/fhir+json; fhirVersion=4.0');
    return bundle;
  }
}
