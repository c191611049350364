import {
  amountsEqual,
  compactText,
  convertAmount,
  normaliseFrequency,
  normaliseRoute,
  normaliseUnit,
  parseDose,
  timesPerDayAgrees,
  type DoseAmount,
  type DoseUnit,
} from '#clinical';
import type { ClinicalExtraction, Medication, Span } from '#schemas';
import { WHOLE_ENTRY, type Touched } from './correction.patch.js';
import type { ReviewErrorDetail } from './review.errors.js';

/**
 * A corrected value must still say what the note says wherever it points into the note: spans inside the note and
 * equal to its text, mention text equal to its span, and normalised values (dose value and unit, frequency code,
 * route code) readable from the mention text when that text can be read at all. Only the mentions the reviewer
 * changed are checked: everything else keeps the engine's values and the validator's flags, which the reviewer saw.
 *
 * These are the validator's hard contradictions, not its plausibility checks (ranges, daily maxima): a reviewer may
 * deliberately keep an unusual dose the note really gives. Messages never quote note text or values.
 */
export function checkCorrectionConsistency(
  noteText: string,
  extraction: ClinicalExtraction,
  touched: Touched,
): ReviewErrorDetail[] {
  /** Whether the reviewer changed `field` of `entry` (one of `fields` of it), or replaced the entry as a whole. */
  const changed = (entry: object, ...fields: string[]): boolean => {
    const set = touched.get(entry);
    return set !== undefined && (set.has(WHOLE_ENTRY) || fields.some((f) => set.has(f)));
  };
  const problems: ReviewErrorDetail[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });

  const checkSpan = (span: Span | null, path: string): boolean => {
    if (span === null) return true;
    if (span.start > span.end || span.end > noteText.length) {
      report(`${path}/span`, 'span offsets fall outside the note');
      return false;
    }
    if (noteText.slice(span.start, span.end) !== span.text) {
      report(`${path}/span`, 'span text differs from the note text at its offsets');
      return false;
    }
    return true;
  };
  const checkMention = (mention: { text: string; span: Span | null } | null, path: string): boolean => {
    if (mention === null || !checkSpan(mention.span, path)) return false;
    if (mention.span && compactText(mention.text) !== compactText(mention.span.text)) {
      report(`${path}/text`, 'text differs from the note text its span points to');
      return false;
    }
    return true;
  };

  extraction.medications.forEach((medication, i) => {
    if (touched.has(medication)) checkMedication(medication, `/medications/${i}`, changed, checkMention, report);
  });
  (['diagnoses', 'symptoms'] as const).forEach((section) =>
    extraction[section].forEach((condition, i) => {
      if (changed(condition, 'text', 'span')) checkMention(condition, `/${section}/${i}`);
    }),
  );
  extraction.labs.forEach((lab, i) => {
    if (changed(lab, 'name')) checkMention(lab.name, `/labs/${i}/name`);
    if (changed(lab, 'unit')) checkMention(lab.unit, `/labs/${i}/unit`);
    if (changed(lab, 'value') && checkMention(lab.value, `/labs/${i}/value`) && lab.value.value !== null) {
      const numbers = (lab.value.text.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
      if (numbers.length > 0 && !numbers.some((n) => amountsEqual(n, lab.value.value!))) {
        report(`/labs/${i}/value/value`, 'value does not match any number in the value text');
      }
    }
  });
  extraction.followUps.forEach((followUp, i) => {
    if (changed(followUp, 'text', 'span')) checkMention(followUp, `/followUps/${i}`);
    if (changed(followUp, 'with')) checkMention(followUp.with, `/followUps/${i}/with`);
  });
  const { patient } = extraction;
  if (changed(patient, 'age')) checkMention(patient.age, '/patient/age');
  if (changed(patient, 'sex')) checkSpan(patient.sex.span, '/patient/sex');
  return problems;
}

/** Whether `value unit` is one of the amounts written in the dose text, as written or converted (0.1 mg = 100 mcg). */
function doseInText(amounts: readonly DoseAmount[], value: number, unit: DoseUnit | null): boolean {
  return amounts.some((a) => {
    if (unit === null || a.unit === null) return amountsEqual(a.value, value);
    if (a.unit.code === unit.code) return amountsEqual(a.value, value);
    const converted = convertAmount(a.value, a.unit, unit);
    return converted !== null && amountsEqual(converted, value);
  });
}

function checkMedication(
  medication: Medication,
  path: string,
  changed: (entry: object, ...fields: string[]) => boolean,
  checkMention: (mention: { text: string; span: Span | null } | null, path: string) => boolean,
  report: (path: string, message: string) => void,
): void {
  const { name, dose, frequency, route } = medication;
  if (changed(medication, 'name')) checkMention(name, `${path}/name`);

  if (dose && changed(medication, 'dose') && checkMention(dose, `${path}/dose`) && dose.span) {
    const reading = parseDose(dose.text);
    const unit = dose.unit === null ? null : normaliseUnit(dose.unit);
    if (dose.value !== null && reading.amounts.length > 0 && !doseInText(reading.amounts, dose.value, unit)) {
      report(`${path}/dose/value`, 'dose value (in its unit) is not the amount the dose text gives');
    }
    const written = reading.amounts.filter((a) => a.unit !== null);
    if (dose.value === null && unit && written.length > 0 && !written.some((a) => a.unit!.code === unit.code)) {
      report(`${path}/dose/unit`, 'dose unit is not the unit the dose text gives');
    }
  }
  if (frequency && changed(medication, 'frequency') && checkMention(frequency, `${path}/frequency`) && frequency.span) {
    const reading = normaliseFrequency(frequency.text);
    if (reading && frequency.code !== null && reading.code !== null && !reading.acceptedCodes.has(frequency.code)) {
      report(`${path}/frequency/code`, 'frequency code does not fit the frequency text');
    }
    if (reading && frequency.timesPerDay !== null && !timesPerDayAgrees(reading, frequency.timesPerDay)) {
      report(`${path}/frequency/timesPerDay`, 'doses per day do not fit the frequency text');
    }
  }
  if (route && changed(medication, 'route') && checkMention(route, `${path}/route`) && route.span) {
    const code = normaliseRoute(route.text);
    if (code && route.code !== null && route.code !== code) {
      report(`${path}/route/code`, 'route code does not fit the route text');
    }
  }
}
