import { ClinicalExtractionSchema, compileContract, type ClinicalExtraction, type Span } from '#schemas';
import { checkAttachment } from './checks/attachment.check.js';
import { checkDose } from './checks/dose.check.js';
import { checkDoseSpan } from './checks/dose-span.check.js';
import { checkFrequency } from './checks/frequency.check.js';
import { checkSectionGrounding } from './checks/grounding.check.js';
import { checkFollowUps } from './checks/follow-up.check.js';
import { checkLabs } from './checks/lab.check.js';
import { collectMedicationFacts, type MedicationFacts } from './checks/medication-facts.js';
import { checkMedicationList } from './checks/medication-list.check.js';
import { checkName } from './checks/name.check.js';
import { NoteText } from './checks/note-text.js';
import { checkProblems } from './checks/problem.check.js';
import {
  buildReversalQuestions,
  createSpanAnswerer,
  runReversalProbe,
  type ReversalQuestion,
} from './checks/reversal.probe.js';
import { checkRoute } from './checks/route.check.js';
import { flag, needsReview, type ValidationFlag } from './checks/validation-flag.js';
import { findDrugMentions } from './lexicon/drug-mentions.js';

export type { FlagSeverity, ValidationFlag } from './checks/validation-flag.js';

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

export interface ValidateOptions {
  /**
   * Who answers the reversal probe: `span` (default), the synchronous answerer from the note's layout; `external`,
   * the caller (the LLM probe), which asks `reversalQuestionsFor` and merges its flags with `withReversalFlags`.
   */
  reversal?: 'span' | 'external';
}

/** Drug names the lexicon finds in the note outside the extraction's lab names (a lab can be named after a drug). */
function unlistedDrugMentions(noteText: string, extraction: ClinicalExtraction): Span[] {
  const labNames = extraction.labs.flatMap((l) => (l.name.span ? [l.name.span] : []));
  return findDrugMentions(noteText).filter((m) => !labNames.some((l) => m.start < l.end && l.start < m.end));
}

/** Content checks of a schema-valid extraction against its note; returns every flag raised. */
function checkContent(
  noteText: string,
  extraction: ClinicalExtraction,
  options: ValidateOptions = {},
): ValidationFlag[] {
  const note = new NoteText(noteText);
  const flags: ValidationFlag[] = [];
  checkSectionGrounding(note, extraction, flags);
  checkProblems(note, extraction, flags);
  checkLabs(note, extraction, flags);
  checkFollowUps(note, extraction, flags);
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
  const labSpans = extraction.labs.flatMap((l) => [l.name.span, l.value.span].filter((s): s is Span => s !== null));
  for (const f of facts) {
    checkName(note, f, labSpans, flags);
    checkDoseSpan(note, f, flags);
    checkDose(f, adult, flags);
    checkFrequency(note, f, flags);
    checkRoute(f, flags);
  }
  checkAttachment(note, facts, flags);
  const duplicates = checkMedicationList(facts, flags);
  // A duplicate is reported once, as a duplicate, not again as a second owner of the same dose.
  const distinct = duplicates.size > 0 ? facts.filter((f) => !duplicates.has(f.index)) : facts;
  if (distinct.length > 0 && options.reversal !== 'external') {
    flags.push(
      ...runReversalProbe(distinct, createSpanAnswerer(note, distinct, unlistedDrugMentions(noteText, extraction))),
    );
  }
  return flags;
}

/** A medication name in the note, and the entries that point at it (several when they share one mention). */
export interface NameMention {
  readonly span: Span;
  readonly owners: number[];
}

/**
 * The reversal probe's questions for an external answerer, from the same facts the synchronous checks use (grounded
 * spans only, duplicates left out), with the name mentions an answer may point at, in note order.
 */
export function reversalQuestionsFor(
  noteText: string,
  extraction: ClinicalExtraction,
): { questions: ReversalQuestion[]; mentions: NameMention[] } {
  const note = new NoteText(noteText);
  const scratch: ValidationFlag[] = [];
  const facts = collectMedicationFacts(note, extraction.medications, scratch);
  const duplicates = checkMedicationList(facts, scratch);
  const distinct: readonly MedicationFacts[] = facts.filter((f) => !duplicates.has(f.index));
  const byOffsets = new Map<string, NameMention>();
  for (const f of distinct) {
    const span = f.name?.span;
    if (!span) continue;
    const key = `${span.start}:${span.end}`;
    const existing = byOffsets.get(key);
    if (existing) existing.owners.push(f.index);
    else byOffsets.set(key, { span, owners: [f.index] });
  }
  return {
    questions: buildReversalQuestions(distinct),
    mentions: [...byOffsets.values()].sort((a, b) => a.span.start - b.span.start),
  };
}

/** Adds an external reversal probe's flags to an outcome validated with `reversal: 'external'`. */
export function withReversalFlags(outcome: ValidationOutcome, flags: readonly ValidationFlag[]): ValidationOutcome {
  if (outcome.status === 'rejected' || flags.length === 0) return outcome;
  const all = [...outcome.flags, ...flags];
  return { ...outcome, flags: all, status: all.some(needsReview) ? 'needs_review' : 'accepted' };
}

/**
 * Validates one engine output against its note: schema first (a schema-invalid extraction is rejected), then the
 * content checks, whose flags send it to review.
 */
export function validateExtraction(
  noteText: string,
  candidate: unknown,
  options: ValidateOptions = {},
): ValidationOutcome {
  const schema = checkSchema(candidate);
  if (!schema.ok) {
    return {
      status: 'rejected',
      extraction: null,
      flags: schema.errors.map((e) => flag('SCHEMA_INVALID', e.path, e.message)),
    };
  }
  const flags = checkContent(noteText, schema.value, options);
  // Info flags (an unknown drug, skipped range checks) are notes for the record, not reasons to review.
  return { status: flags.some(needsReview) ? 'needs_review' : 'accepted', flags, extraction: schema.value };
}
