import type { ClinicalExtraction } from '#schemas';
import { isWithinPointer, refusesCorrection, validateExtraction } from '#validation';
import { WHOLE_ENTRY, type Touched } from './correction.patch.js';
import type { ReviewErrorDetail } from './review.errors.js';

/**
 * A corrected value must still say what the note says. The corrected extraction goes through the validator's own
 * checks (`#validation`, the same code the validator service and the CLI run), and the correction is refused by the
 * flags that say a value contradicts the note (spans, mention text, dose value and unit, frequency code, doses per
 * day and as-needed, route code, lab value, a unit the drug is never dosed in) — only where the reviewer changed
 * something: everything else keeps the engine's values and the validator's flags, which the reviewer saw.
 *
 * Plausibility checks (ranges, daily maxima) and the heuristics about how engines err (lexicon, span boundaries,
 * attachment) never refuse a correction: a reviewer may deliberately keep an unusual dose the note really gives.
 * Messages never quote note text or values.
 */
export function checkCorrectionConsistency(
  noteText: string,
  extraction: ClinicalExtraction,
  touched: Touched,
): ReviewErrorDetail[] {
  const roots = touchedPointers(extraction, touched);
  if (roots.length === 0) return [];
  return validateExtraction(noteText, extraction)
    .flags.filter(refusesCorrection)
    .filter((f) => roots.some((root) => isWithinPointer(f.path, root)))
    .map(({ path, message }) => ({ path, message }));
}

/** JSON pointers of what the reviewer changed: `/medications/2/dose`, or `/medications/2` for a whole entry. */
function touchedPointers(extraction: ClinicalExtraction, touched: Touched): string[] {
  const pointers: string[] = [];
  const add = (entry: object, base: string) => {
    const fields = touched.get(entry);
    if (!fields) return;
    if (fields.has(WHOLE_ENTRY)) pointers.push(base);
    else for (const field of fields) pointers.push(`${base}/${field}`);
  };
  for (const section of ['medications', 'diagnoses', 'symptoms', 'labs', 'followUps'] as const) {
    extraction[section].forEach((entry, i) => add(entry, `/${section}/${i}`));
  }
  add(extraction.patient, '/patient');
  return pointers;
}
