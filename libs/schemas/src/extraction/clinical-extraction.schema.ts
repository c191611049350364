import { Type, type Static } from '@sinclair/typebox';

/**
 * The ClinicalExtraction contract: what every engine produces, the validator checks, the database stores and the
 * API returns. JSON Schema draft 2020-12, built with TypeBox so the TypeScript type is derived from the schema
 * rather than written twice.
 */

export const EXTRACTION_SCHEMA_VERSION = 1;

/** 0-based character offsets into the note, end exclusive; `text === note.slice(start, end)`. */
export const SpanSchema = Type.Object(
  {
    text: Type.String(),
    start: Type.Integer({ minimum: 0 }),
    end: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type Span = Static<typeof SpanSchema>;

/** A value as the engine read it, and where it is in the note (null when an LLM value could not be located). */
const mention = {
  text: Type.String({ minLength: 1, maxLength: 1000 }),
  span: Type.Union([SpanSchema, Type.Null()]),
};
const MentionSchema = Type.Object(mention, { additionalProperties: false });
export type Mention = Static<typeof MentionSchema>;

export const MEDICATION_STATUSES = ['current', 'new', 'stopped', 'past', 'allergy', 'negated', 'unknown'] as const;
export const FREQUENCY_CODES = [
  'QD',
  'BID',
  'TID',
  'QID',
  'QHS',
  'QAM',
  'QPM',
  'Q1H',
  'Q2H',
  'Q3H',
  'Q4H',
  'Q6H',
  'Q8H',
  'Q12H',
  'Q24H',
  'Q48H',
  'QOD',
  'QWK',
  'BIW',
  'TIW',
  'QMONTH',
  'ONCE',
  'CONT',
  'PRN',
] as const;
export const ROUTE_CODES = [
  'PO',
  'IV',
  'IM',
  'SC',
  'SL',
  'PR',
  'TOP',
  'INH',
  'NAS',
  'OPH',
  'OT',
  'TD',
  'PV',
  'NG',
  'ID',
  'BUCC',
] as const;

/** A closed set of strings as a plain JSON Schema `enum`, typed as the union of its members. */
export const stringEnum = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

export const EngineSchema = Type.Object(
  {
    /** `bert-ner`, `llm`, or `none` (the placeholder engine of the walking skeleton). */
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    model: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.String({ minLength: 1, maxLength: 100 }),
    promptVariant: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const MedicationSchema = Type.Object(
  {
    name: MentionSchema,
    dose: Type.Union([
      Type.Object(
        {
          ...mention,
          value: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
          unit: Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    frequency: Type.Union([
      Type.Object(
        {
          ...mention,
          code: Type.Union([stringEnum(FREQUENCY_CODES), Type.Null()]),
          timesPerDay: Type.Union([Type.Number({ minimum: 0, maximum: 48 }), Type.Null()]),
          asNeeded: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    route: Type.Union([
      Type.Object(
        { ...mention, code: Type.Union([stringEnum(ROUTE_CODES), Type.Null()]) },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    status: stringEnum(MEDICATION_STATUSES),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type Medication = Static<typeof MedicationSchema>;

const CodingSchema = Type.Object(
  { system: Type.String({ minLength: 1, maxLength: 200 }), code: Type.String({ minLength: 1, maxLength: 50 }) },
  { additionalProperties: false },
);

export const ConditionSchema = Type.Object(
  {
    ...mention,
    negated: Type.Boolean(),
    code: Type.Optional(CodingSchema),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof ConditionSchema>;

export const LabResultSchema = Type.Object(
  {
    name: MentionSchema,
    value: Type.Object(
      { ...mention, value: Type.Union([Type.Number(), Type.Null()]) },
      { additionalProperties: false },
    ),
    unit: Type.Union([MentionSchema, Type.Null()]),
    flag: Type.Optional(
      Type.Union([Type.Literal('high'), Type.Literal('low'), Type.Literal('normal'), Type.Literal('abnormal')]),
    ),
  },
  { additionalProperties: false },
);
export type LabResult = Static<typeof LabResultSchema>;

export const FollowUpSchema = Type.Object(
  {
    ...mention,
    interval: Type.Union([
      Type.Object(
        {
          value: Type.Number({ exclusiveMinimum: 0 }),
          unit: Type.Union([
            Type.Literal('days'),
            Type.Literal('weeks'),
            Type.Literal('months'),
            Type.Literal('years'),
          ]),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    with: Type.Union([MentionSchema, Type.Null()]),
  },
  { additionalProperties: false },
);
export type FollowUp = Static<typeof FollowUpSchema>;

/** The oldest age the contract accepts, in any unit; the engines drop a larger number rather than emit an invalid one. */
export const PATIENT_AGE_MAX = 150;

export const PatientSchema = Type.Object(
  {
    age: Type.Union([
      Type.Object(
        {
          ...mention,
          value: Type.Number({ minimum: 0, maximum: PATIENT_AGE_MAX }),
          unit: Type.Union([
            Type.Literal('years'),
            Type.Literal('months'),
            Type.Literal('weeks'),
            Type.Literal('days'),
          ]),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    sex: Type.Object(
      {
        value: Type.Union([Type.Literal('female'), Type.Literal('male'), Type.Literal('unknown')]),
        span: Type.Union([SpanSchema, Type.Null()]),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const ClinicalExtractionSchema = Type.Object(
  {
    schemaVersion: Type.Literal(EXTRACTION_SCHEMA_VERSION),
    noteId: Type.String({ minLength: 1, maxLength: 200 }),
    engine: EngineSchema,
    patient: PatientSchema,
    medications: Type.Array(MedicationSchema, { maxItems: 500 }),
    diagnoses: Type.Array(ConditionSchema, { maxItems: 500 }),
    symptoms: Type.Array(ConditionSchema, { maxItems: 500 }),
    labs: Type.Array(LabResultSchema, { maxItems: 500 }),
    followUps: Type.Array(FollowUpSchema, { maxItems: 100 }),
  },
  {
    $id: 'https://clinex.dev/schemas/clinical-extraction.json',
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'ClinicalExtraction',
    additionalProperties: false,
  },
);
export type ClinicalExtraction = Static<typeof ClinicalExtractionSchema>;

/** An extraction with nothing found: what the placeholder engine publishes and what engines start from. */
export function emptyExtraction(noteId: string, engine: ClinicalExtraction['engine']): ClinicalExtraction {
  return {
    schemaVersion: EXTRACTION_SCHEMA_VERSION,
    noteId,
    engine,
    patient: { age: null, sex: { value: 'unknown', span: null } },
    medications: [],
    diagnoses: [],
    symptoms: [],
    labs: [],
    followUps: [],
  };
}
