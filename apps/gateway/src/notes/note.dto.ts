import { Type, type Static } from '@sinclair/typebox';

/** POST /v1/notes body. Unknown fields are refused so a typo in an optional field is not silently ignored. */
export const SubmitNoteBodySchema = Type.Object(
  {
    externalId: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7E]+$' }),
    text: Type.String({ minLength: 1 }),
    patientRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    encounterRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    engine: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('bert-ner'), Type.Literal('llm')])),
    promptVariant: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type SubmitNoteBody = Static<typeof SubmitNoteBodySchema>;

export interface NoteAcceptedResponse {
  id: string;
  externalId: string;
  status: string;
  statusUrl: string;
}

export interface NoteStatusResponse {
  id: string;
  externalId: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  extraction: null | {
    id: string;
    status: string;
    engine: { name: string; model: string; version: string };
    flags: { code: string; severity: string; message: string; path: string }[];
    data: unknown;
  };
}
