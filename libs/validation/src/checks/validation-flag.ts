/**
 * The validator's flags: one code per kind of problem, each with its default severity. `info` never sends an
 * extraction to review; `warning` and `error` do (error: the extraction contradicts the note or is impossible;
 * warning: implausible or unverifiable, a person should look).
 */

export type FlagSeverity = 'info' | 'warning' | 'error';

export interface ValidationFlag {
  code: string;
  severity: FlagSeverity;
  /** Says what is wrong without quoting note text or values, so it is safe to show in logs and metrics. */
  message: string;
  /** JSON pointer into the extraction. */
  path: string;
}

/**
 * Each code's severity, and whether it refuses a reviewer's correction. Severities of the checks that target engine
 * errors follow their precision measured on the tune split (`clinex eval-flags`, figures in
 * apps/validator/src/checks/README.md): one that is right most of the time it fires sends the extraction to review,
 * one that is wrong most of the time is info. `refusesCorrection`: the flag says the value contradicts the note (or
 * what any dose of the drug can be), which a reviewer's correction must not do either; heuristics about how an engine
 * errs (lexicon, span boundaries, attachment, plausibility ranges) never refuse a person's correction.
 */
export const FLAG_RULES = {
  SCHEMA_INVALID: { severity: 'error', refusesCorrection: true },
  // Grounding: every value must be where it says it is in the note.
  NOT_GROUNDED: { severity: 'error', refusesCorrection: true },
  SPAN_OUT_OF_BOUNDS: { severity: 'error', refusesCorrection: true },
  SPAN_TEXT_MISMATCH: { severity: 'error', refusesCorrection: true },
  MENTION_TEXT_MISMATCH: { severity: 'error', refusesCorrection: true },
  // Medication names.
  NAME_NOT_IN_LEXICON: { severity: 'warning', refusesCorrection: false },
  NAME_SPAN_CUT: { severity: 'warning', refusesCorrection: false },
  NAME_SPAN_SHORT: { severity: 'warning', refusesCorrection: false },
  NAME_AMONG_LABS: { severity: 'warning', refusesCorrection: false },
  NAME_AS_MODIFIER: { severity: 'info', refusesCorrection: false },
  // Dose and unit.
  DOSE_VALUE_NOT_IN_TEXT: { severity: 'error', refusesCorrection: true },
  DOSE_UNIT_MISMATCH: { severity: 'error', refusesCorrection: true },
  DOSE_UNIT_UNRECOGNISED: { severity: 'warning', refusesCorrection: false },
  DOSE_IMPLAUSIBLE: { severity: 'error', refusesCorrection: true },
  DOSE_UNIT_UNEXPECTED: { severity: 'error', refusesCorrection: true },
  DOSE_UNIT_SUSPECT: { severity: 'error', refusesCorrection: false },
  DOSE_ABOVE_RANGE: { severity: 'warning', refusesCorrection: false },
  DOSE_BELOW_RANGE: { severity: 'warning', refusesCorrection: false },
  DAILY_DOSE_ABOVE_MAX: { severity: 'warning', refusesCorrection: false },
  DOSE_SPAN_CUT: { severity: 'warning', refusesCorrection: false },
  DOSE_WITHOUT_UNIT: { severity: 'warning', refusesCorrection: false },
  DOSE_NOT_AN_AMOUNT: { severity: 'warning', refusesCorrection: false },
  DOSE_COUNT_BESIDE_STRENGTH: { severity: 'warning', refusesCorrection: false },
  DOSE_FORM_AMBIGUOUS: { severity: 'info', refusesCorrection: false },
  DRUG_UNKNOWN: { severity: 'info', refusesCorrection: false },
  RANGE_CHECKS_SKIPPED: { severity: 'info', refusesCorrection: false },
  // Frequency and route.
  FREQUENCY_UNPARSEABLE: { severity: 'warning', refusesCorrection: false },
  FREQUENCY_MISMATCH: { severity: 'error', refusesCorrection: true },
  FREQUENCY_NOT_A_SIG: { severity: 'warning', refusesCorrection: false },
  FREQUENCY_SHARED_NAME: { severity: 'warning', refusesCorrection: false },
  FREQUENCY_SPAN_CUT: { severity: 'warning', refusesCorrection: false },
  ROUTE_UNPARSEABLE: { severity: 'warning', refusesCorrection: false },
  ROUTE_MISMATCH: { severity: 'error', refusesCorrection: true },
  ROUTE_UNEXPECTED: { severity: 'warning', refusesCorrection: false },
  // Across entries.
  REVERSAL_INCONSISTENT: { severity: 'error', refusesCorrection: false },
  ROUTE_OTHER_SENTENCE: { severity: 'warning', refusesCorrection: false },
  ROUTE_OF_OTHER_PHRASE: { severity: 'warning', refusesCorrection: false },
  DOSE_CONFLICT: { severity: 'warning', refusesCorrection: false },
  DUPLICATE_MEDICATION: { severity: 'warning', refusesCorrection: false },
  // Problems and labs.
  PROBLEM_SPAN_CUT: { severity: 'warning', refusesCorrection: false },
  PROBLEM_SPLIT: { severity: 'warning', refusesCorrection: false },
  PROBLEM_IN_HEADING: { severity: 'warning', refusesCorrection: false },
  PROBLEM_AS_MODIFIER: { severity: 'warning', refusesCorrection: false },
  PROBLEM_AS_EVENT: { severity: 'warning', refusesCorrection: false },
  LAB_VALUE_NOT_IN_TEXT: { severity: 'error', refusesCorrection: true },
  LAB_SPAN_CUT: { severity: 'warning', refusesCorrection: false },
  LAB_VALUE_NOT_A_RESULT: { severity: 'warning', refusesCorrection: false },
  LAB_VALUE_OF_OTHER: { severity: 'warning', refusesCorrection: false },
  // Follow-ups.
  FOLLOW_UP_SPAN_CUT: { severity: 'info', refusesCorrection: false },
  FOLLOW_UP_SPLIT: { severity: 'warning', refusesCorrection: false },
} as const satisfies Record<string, { severity: FlagSeverity; refusesCorrection: boolean }>;

export type FlagCode = keyof typeof FLAG_RULES;

export function flag(
  code: FlagCode,
  path: string,
  message: string,
  severity: FlagSeverity = FLAG_RULES[code].severity,
): ValidationFlag {
  return { code, severity, message, path };
}

/** Whether a flag sends the extraction to a person. */
export function needsReview(f: ValidationFlag): boolean {
  return f.severity !== 'info';
}

/**
 * Whether a flag refuses a reviewer's correction: its check says the value contradicts the note, and it was raised
 * as an error (a value without a span whose text is in the note is a warning: the reviewer vouches for its place).
 */
export function refusesCorrection(f: ValidationFlag): boolean {
  const rule = (FLAG_RULES as Record<string, { refusesCorrection: boolean } | undefined>)[f.code];
  return rule?.refusesCorrection === true && f.severity === 'error';
}

/** "about 10x" for ratios; rounded so that a message says how far off a value is without revealing the value. */
export function formatRatio(ratio: number): string {
  if (ratio >= 10) return `about ${Math.round(ratio)}x`;
  return `about ${ratio.toFixed(1)}x`;
}
