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

export const FLAG_SEVERITIES = {
  SCHEMA_INVALID: 'error',
  // Grounding: every value must be where it says it is in the note.
  NOT_GROUNDED: 'error',
  SPAN_OUT_OF_BOUNDS: 'error',
  SPAN_TEXT_MISMATCH: 'error',
  MENTION_TEXT_MISMATCH: 'error',
  // Dose and unit.
  DOSE_VALUE_NOT_IN_TEXT: 'error',
  DOSE_UNIT_MISMATCH: 'error',
  DOSE_UNIT_UNRECOGNISED: 'warning',
  DOSE_IMPLAUSIBLE: 'error',
  DOSE_UNIT_UNEXPECTED: 'error',
  DOSE_UNIT_SUSPECT: 'error',
  DOSE_ABOVE_RANGE: 'warning',
  DOSE_BELOW_RANGE: 'warning',
  DAILY_DOSE_ABOVE_MAX: 'warning',
  DRUG_UNKNOWN: 'info',
  RANGE_CHECKS_SKIPPED: 'info',
  // Frequency and route.
  FREQUENCY_UNPARSEABLE: 'warning',
  FREQUENCY_MISMATCH: 'error',
  ROUTE_UNPARSEABLE: 'warning',
  ROUTE_MISMATCH: 'error',
  ROUTE_UNEXPECTED: 'warning',
  // Across entries.
  REVERSAL_INCONSISTENT: 'error',
  DOSE_CONFLICT: 'warning',
  DUPLICATE_MEDICATION: 'warning',
} as const satisfies Record<string, FlagSeverity>;

export type FlagCode = keyof typeof FLAG_SEVERITIES;

export function flag(
  code: FlagCode,
  path: string,
  message: string,
  severity: FlagSeverity = FLAG_SEVERITIES[code],
): ValidationFlag {
  return { code, severity, message, path };
}

/** Whether a flag sends the extraction to a person. */
export function needsReview(f: ValidationFlag): boolean {
  return f.severity !== 'info';
}

/** "about 10x" for ratios; rounded so that a message says how far off a value is without revealing the value. */
export function formatRatio(ratio: number): string {
  if (ratio >= 10) return `about ${Math.round(ratio)}x`;
  return `about ${ratio.toFixed(1)}x`;
}
