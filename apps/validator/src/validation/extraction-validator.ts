import { ClinicalExtractionSchema, compileContract, type ClinicalExtraction } from '#schemas';
import { checkDose } from '../checks/dose.check.js';
import { checkFrequency } from '../checks/frequency.check.js';
import { checkSectionGrounding } from '../checks/grounding.check.js';
import { collectMedicationFacts } from '../checks/medication-facts.js';
import { checkMedicationList } from '../checks/medication-list.check.js';
import { NoteText } from '../checks/note-text.js';
import { createSpanAnswerer, runReversalProbe } from '../checks/reversal.probe.js';
import { checkRoute } from '../checks/route.check.js';
import { flag, needsReview, type ValidationFlag } from '../checks/validation-flag.js';

export type { FlagSeverity, ValidationFlag } from '../checks/validation-flag.js';

export type ValidationOutcome =
  | { status: 'rejected'; flags: ValidationFlag[]; extraction: null }
  | { status: 'accepted' | 'needs_review'; flags: ValidationFlag[]; extraction: ClinicalExtraction };

const checkSchema = compileContract(ClinicalExtractionSchema);

const ADULT_AGE_YEARS = 18;

/** The drug table holds adult doses; for a child (or an age in months, weeks or days) range checks would mislead. */
function adultRangesApply(extraction: ClinicalExtraction): boolean {
  const age = extraction.patient.age;
  return age === null || (age.unit === 'years' && age.value >= ADULT_AGE_YEARS);
}

/** Content checks of a schema-valid extraction against its note; returns every flag raised. */
function checkContent(noteText: string, extraction: ClinicalExtraction): ValidationFlag[] {
  const note = new NoteText(noteText);
  const flags: ValidationFlag[] = [];
  checkSectionGrounding(note, extraction, flags);
  const facts = collectMedicationFacts(note, extraction.medications, flags);
  const adult = adultRangesApply(extraction);
  if (!adult && facts.some((f) => f.medication.dose?.value != null)) {
    flags.push(
      flag(
        'RANGE_CHECKS_SKIPPED',
        '/patient/age',
        'dose ranges are adult references; range checks were skipped for this patient',
      ),
    );
  }
  for (const f of facts) {
    checkDose(f, adult, flags);
    checkFrequency(f, flags);
    checkRoute(f, flags);
  }
  const duplicates = checkMedicationList(facts, flags);
  // A duplicate is reported once, as a duplicate, not again as a second owner of the same dose.
  const distinct = duplicates.size > 0 ? facts.filter((f) => !duplicates.has(f.index)) : facts;
  if (distinct.length > 0) flags.push(...runReversalProbe(distinct, createSpanAnswerer(note, distinct)));
  return flags;
}

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
      flags: schema.errors.map((e) => flag('SCHEMA_INVALID', e.path, e.message)),
    };
  }
  const flags = checkContent(noteText, schema.value);
  // Info flags (an unknown drug, skipped range checks) are notes for the record, not reasons to review.
  return { status: flags.some(needsReview) ? 'needs_review' : 'accepted', flags, extraction: schema.value };
}
