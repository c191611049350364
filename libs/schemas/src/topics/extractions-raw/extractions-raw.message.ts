import { Type, type Static } from '@sinclair/typebox';

/**
 * Published by an extractor for every note it processed; consumed by the validator. The extraction stays an
 * opaque object here: the validator checks it against ClinicalExtractionSchema itself, because a schema-invalid
 * extraction is an outcome to record (`rejected`), not a malformed message to dead-letter.
 */
export const EXTRACTIONS_RAW_TOPIC = 'extractions.raw';

export const RawExtractionSchema = Type.Object(
  {
    version: Type.Literal(1),
    messageId: Type.String({ format: 'uuid' }),
    tenantId: Type.String({ format: 'uuid' }),
    noteId: Type.String({ format: 'uuid' }),
    /** The note text travels with the extraction so grounding needs no database read. */
    noteText: Type.String({ minLength: 1, maxLength: 200_000 }),
    engine: Type.Object(
      {
        name: Type.String({ minLength: 1 }),
        model: Type.String({ minLength: 1 }),
        version: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    /** The engine's ClinicalExtraction, or null when the engine failed (see `failure`). */
    extraction: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    failure: Type.Optional(
      Type.Object({ code: Type.String({ minLength: 1 }), message: Type.String() }, { additionalProperties: false }),
    ),
    modelSeconds: Type.Number({ minimum: 0 }),
    producedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'clinex.extractions.raw.v1', additionalProperties: false },
);
export type RawExtraction = Static<typeof RawExtractionSchema>;
