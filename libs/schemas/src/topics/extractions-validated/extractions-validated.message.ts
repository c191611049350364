import { Type, type Static } from '@sinclair/typebox';

/** Published by the validator after the extraction is committed; carries no note text or values. */
export const EXTRACTIONS_VALIDATED_TOPIC = 'extractions.validated';

export const ValidatedExtractionSchema = Type.Object(
  {
    version: Type.Literal(1),
    messageId: Type.String({ format: 'uuid' }),
    tenantId: Type.String({ format: 'uuid' }),
    noteId: Type.String({ format: 'uuid' }),
    extractionId: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('accepted'), Type.Literal('needs_review'), Type.Literal('rejected')]),
    flagCodes: Type.Array(Type.String()),
    validatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'clinex.extractions.validated.v1', additionalProperties: false },
);
export type ValidatedExtraction = Static<typeof ValidatedExtractionSchema>;
