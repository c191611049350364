import { Type, type Static } from '@sinclair/typebox';

/** Published by the gateway's outbox relay when a note is accepted; consumed by extractors. */
export const NOTES_SUBMITTED_TOPIC = 'notes.submitted';

export const NoteSubmittedSchema = Type.Object(
  {
    version: Type.Literal(1),
    messageId: Type.String({ format: 'uuid' }),
    tenantId: Type.String({ format: 'uuid' }),
    noteId: Type.String({ format: 'uuid' }),
    externalId: Type.String({ minLength: 1, maxLength: 200 }),
    text: Type.String({ minLength: 1, maxLength: 200_000 }),
    requestedEngine: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    promptVariant: Type.Optional(Type.String({ maxLength: 100 })),
    submittedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'clinex.notes.submitted.v1', additionalProperties: false },
);
export type NoteSubmitted = Static<typeof NoteSubmittedSchema>;
