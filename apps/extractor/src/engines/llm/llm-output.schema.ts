import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { compileContract, MEDICATION_STATUSES, stringEnum, type ContractError } from '#schemas';

/**
 * What the model is asked to return: values exactly as written in the note, and no offsets (models count characters
 * badly; the engine finds each value in the note itself). Every entry opens with `evidence`, a short verbatim quote
 * around the mention, which tells the engine which occurrence of a repeated value the model means. Kept to the JSON
 * Schema subset that OpenAI's strict structured outputs accept: every property required, nullable as anyOf with
 * null, no additional properties.
 *
 * Two forms of the same shape: the one sent to the model requires `evidence`; the one answers are checked against
 * accepts an entry without it (an answer in the format of engine version 1, or from a model that dropped the field
 * in JSON mode), because evidence only helps place a value: such an entry is still usable, and a value it names
 * that occurs more than once is left without a span rather than guessed.
 */

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const object = <P extends Record<string, TSchema>>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

const AGE_UNITS = ['years', 'months', 'weeks', 'days'] as const;
const SEXES = ['female', 'male', 'unknown'] as const;
const LAB_FLAGS = ['high', 'low', 'normal', 'abnormal'] as const;
const INTERVAL_UNITS = ['days', 'weeks', 'months', 'years'] as const;

const EVIDENCE_DESCRIPTION =
  'a short quote copied verbatim from the note (the few words around this mention, at most its sentence) that contains the entry and shows which place in the note it comes from';
const evidence = Type.String({ description: EVIDENCE_DESCRIPTION });

const MedicationSchema = object({
  evidence,
  name: Type.String({ description: 'drug name as written' }),
  dose: nullable(Type.String({ description: 'amount or strength with its unit as written, e.g. "10 mg", "2 puffs"' })),
  doseValue: nullable(
    Type.Number({ description: 'the number in the dose; null for a combination strength such as "80/12.5 mg"' }),
  ),
  doseUnit: nullable(Type.String({ description: 'the unit in the dose, as written' })),
  frequency: nullable(Type.String({ description: 'how often, as written, e.g. "twice daily", "q6h prn"' })),
  route: nullable(Type.String({ description: 'route as written, e.g. "PO", "by mouth"' })),
  status: stringEnum(MEDICATION_STATUSES),
});

const ConditionSchema = object({
  evidence,
  text: Type.String({ description: 'the condition as written' }),
  negated: Type.Boolean({ description: 'true when the note says the patient does not have it' }),
});

const LabSchema = object({
  evidence,
  name: Type.String(),
  value: Type.String({ description: 'the result as written' }),
  numericValue: nullable(Type.Number()),
  unit: nullable(Type.String()),
  flag: nullable(stringEnum(LAB_FLAGS)),
});

const FollowUpSchema = object({
  evidence,
  text: Type.String({ description: 'the follow-up instruction as written' }),
  intervalValue: nullable(Type.Number()),
  intervalUnit: nullable(stringEnum(INTERVAL_UNITS)),
  with: nullable(Type.String({ description: 'clinician, service or test as written' })),
});

const PatientSchema = object({
  age: nullable(object({ text: Type.String(), value: Type.Number(), unit: stringEnum(AGE_UNITS) })),
  sex: stringEnum(SEXES),
  sexText: nullable(Type.String({ description: 'the word in the note that states the sex' })),
});

/** The same entries with `evidence` optional (and nullable): the form answers are accepted in. */
const optionalEvidence = { evidence: Type.Optional(nullable(evidence)) };
const LenientMedicationSchema = object({ ...MedicationSchema.properties, ...optionalEvidence });
const LenientConditionSchema = object({ ...ConditionSchema.properties, ...optionalEvidence });
const LenientLabSchema = object({ ...LabSchema.properties, ...optionalEvidence });
const LenientFollowUpSchema = object({ ...FollowUpSchema.properties, ...optionalEvidence });

const askedData = {
  patient: PatientSchema,
  medications: Type.Array(MedicationSchema),
  diagnoses: Type.Array(ConditionSchema),
  symptoms: Type.Array(ConditionSchema),
  labs: Type.Array(LabSchema),
  followUps: Type.Array(FollowUpSchema),
};
const acceptedData = {
  patient: PatientSchema,
  medications: Type.Array(LenientMedicationSchema),
  diagnoses: Type.Array(LenientConditionSchema),
  symptoms: Type.Array(LenientConditionSchema),
  labs: Type.Array(LenientLabSchema),
  followUps: Type.Array(LenientFollowUpSchema),
};

/** The schema sent to the model (response_format), and the one the examples file must follow. */
export const LlmOutputSchema = object(askedData);
/** What a validated answer holds (evidence may be missing). */
export const LlmAnswerSchema = object(acceptedData);
export type LlmOutput = Static<typeof LlmAnswerSchema>;
export type LlmMedication = Static<typeof LenientMedicationSchema>;
/** An answer in the asked-for format: what the examples show. */
export type LlmOutputWithEvidence = Static<typeof LlmOutputSchema>;

/** The chain-of-thought variants put a free-text field first, so the model writes its working before the data. */
export const LlmOutputWithReasoningSchema = object({
  reasoning: Type.String({ description: 'brief working notes, written before the data' }),
  ...askedData,
});

/** The schema as plain JSON (TypeBox's symbol keys dropped), as sent in response_format. */
export function outputJsonSchema(chainOfThought: boolean): Record<string, unknown> {
  return JSON.parse(JSON.stringify(chainOfThought ? LlmOutputWithReasoningSchema : LlmOutputSchema)) as Record<
    string,
    unknown
  >;
}

const checkOutput = compileContract(LlmAnswerSchema);

/** Validates a parsed answer; a `reasoning` field is accepted and dropped whatever the variant. */
export function checkLlmOutput(
  value: unknown,
): { ok: true; value: LlmOutput } | { ok: false; errors: ContractError[] } {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'reasoning' in value) {
    const data: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    delete data['reasoning'];
    return checkOutput(data);
  }
  return checkOutput(value);
}

/** A compact rendering of a schema for the prompt, e.g. `{"name":string,"dose":string|null}`. */
export function describeSchema(schema: unknown): string {
  const s = schema as {
    type?: string;
    enum?: string[];
    anyOf?: unknown[];
    items?: unknown;
    properties?: Record<string, unknown>;
  };
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join('|');
  if (s.anyOf) return s.anyOf.map(describeSchema).join('|');
  switch (s.type) {
    case 'object':
      return `{${Object.entries(s.properties ?? {})
        .map(([k, v]) => `${JSON.stringify(k)}:${describeSchema(v)}`)
        .join(',')}}`;
    case 'array':
      return `[${describeSchema(s.items)}, ...]`;
    case 'integer':
      return 'number';
    default:
      return s.type ?? 'unknown';
  }
}
