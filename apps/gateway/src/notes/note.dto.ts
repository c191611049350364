import { Type, type Static } from '@sinclair/typebox';
import { ClinicalExtractionSchema, stringEnum } from '#schemas';
import { ProblemSchema } from '../http/problem.js';
import { NOTE_STATUSES } from './note-status.js';

/** POST /v1/notes body. Unknown fields are refused so a typo in an optional field is not silently ignored. */
export const SubmitNoteBodySchema = Type.Object(
  {
    externalId: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x21-\\x7E]+$',
      description: "The hospital's own id for the note (printable ASCII, no spaces); unique per tenant.",
    }),
    text: Type.String({ minLength: 1, pattern: '\\S', description: 'The note text (UTF-8, at most MAX_NOTE_BYTES).' }),
    patientRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Your patient identifier.' })),
    encounterRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Your encounter id.' })),
    engine: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('bert-ner'), Type.Literal('llm')], {
        description: 'Extraction engine; the gateway default when omitted.',
      }),
    ),
    promptVariant: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'LLM prompt variant.' })),
  },
  { additionalProperties: false },
);
export type SubmitNoteBody = Static<typeof SubmitNoteBodySchema>;

export const SubmitBatchBodySchema = Type.Object(
  { notes: Type.Array(SubmitNoteBodySchema, { minItems: 1, description: 'At most MAX_BATCH_NOTES notes.' }) },
  { additionalProperties: false },
);
export type SubmitBatchBody = Static<typeof SubmitBatchBodySchema>;

const NoteStatusSchema = stringEnum(NOTE_STATUSES);

export const NoteAcceptedSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The Clinex note id.' }),
    externalId: Type.String(),
    status: NoteStatusSchema,
    statusUrl: Type.String({ description: 'Where to read the note: GET it with your key.' }),
  },
  { additionalProperties: false },
);
export type NoteAcceptedResponse = Static<typeof NoteAcceptedSchema>;

export const BatchItemResultSchema = Type.Object(
  {
    index: Type.Integer({ minimum: 0, description: 'Position of the note in the request.' }),
    externalId: Type.String(),
    status: Type.Integer({
      description: '202 when accepted (new or a repeat of the same note), else the error status.',
    }),
    outcome: Type.Union([Type.Literal('created'), Type.Literal('existing'), Type.Literal('rejected')]),
    note: Type.Optional(NoteAcceptedSchema),
    error: Type.Optional(ProblemSchema),
  },
  { additionalProperties: false },
);
export type BatchItemResult = Static<typeof BatchItemResultSchema>;

export const BatchAcceptedSchema = Type.Object(
  {
    accepted: Type.Integer({ minimum: 0 }),
    rejected: Type.Integer({ minimum: 0 }),
    results: Type.Array(BatchItemResultSchema),
  },
  { additionalProperties: false },
);
export type BatchAcceptedResponse = Static<typeof BatchAcceptedSchema>;

const FlagSchema = Type.Object(
  { code: Type.String(), severity: Type.String(), message: Type.String(), path: Type.String() },
  { additionalProperties: false },
);

export const NoteStatusResponseSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    externalId: Type.String(),
    status: NoteStatusSchema,
    failureReason: Type.Union([Type.String(), Type.Null()], {
      description:
        'Set when status is failed: why the note will not be processed, as `reason` or `reason (ERROR_CODE)`, ' +
        'e.g. `retries_exhausted (ENGINE_TIMEOUT)`. Submitting the note again with a new externalId retries it.',
    }),
    patientRef: Type.Union([Type.String(), Type.Null()]),
    encounterRef: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    fhirUrl: Type.Union([Type.String(), Type.Null()], { description: 'Set once a FHIR Bundle can be read.' }),
    engineFallback: Type.Union(
      [
        Type.Object(
          {
            reason: Type.Literal('budget'),
            requestedEngine: Type.String({ description: 'The engine the request asked for.' }),
            engine: Type.String({ description: 'The engine that runs instead.' }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: "Set when the tenant's hard budget limit made the gateway run another engine than asked." },
    ),
    extraction: Type.Union([
      Type.Object(
        {
          id: Type.String({ format: 'uuid' }),
          status: Type.Union([Type.Literal('accepted'), Type.Literal('needs_review'), Type.Literal('rejected')]),
          engine: Type.Object(
            { name: Type.String(), model: Type.String(), version: Type.String() },
            { additionalProperties: false },
          ),
          flags: Type.Array(FlagSchema),
          data: ClinicalExtractionSchema,
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type NoteStatusResponse = Static<typeof NoteStatusResponseSchema>;

export const NoteListQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        pattern: `^(${NOTE_STATUSES.join('|')})(,(${NOTE_STATUSES.join('|')}))*$`,
        description: 'One status or a comma-separated list.',
      }),
    ),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only notes changed at or after this instant (RFC 3339).' }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'nextCursor of the last page.' })),
    limit: Type.Optional(
      Type.String({ pattern: '^([1-9][0-9]?|1[0-9][0-9]|200)$', description: '1-200, default 50.' }),
    ),
  },
  { additionalProperties: false },
);
export type NoteListQuery = Static<typeof NoteListQuerySchema>;

export const NoteSummarySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    externalId: Type.String(),
    status: NoteStatusSchema,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    statusUrl: Type.String(),
  },
  { additionalProperties: false },
);
export type NoteSummary = Static<typeof NoteSummarySchema>;

export const NoteListSchema = Type.Object(
  {
    items: Type.Array(NoteSummarySchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` (with the same filters) for the next page; null on the last page.',
    }),
  },
  { additionalProperties: false },
);
export type NoteListResponse = Static<typeof NoteListSchema>;
