import { drugIdentity } from '#clinical';
import type { Span } from '#schemas';
import { isLexiconName, lexiconSource } from '../lexicon/drug-lexicon.js';
import type { MedicationFacts } from './medication-facts.js';
import type { NoteText } from './note-text.js';
import { cutEdge, type CutRules } from './span-boundary.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Medication names: a name the drug lexicon does not know is most often a word that is not a drug ("acid" of
 * "acetic acid", "breakfast"), and a name span that cuts a word is a piece of one ("Peri-" of "Peri-Colace").
 */

// "Peri-[Colace]", "[Depo]-Medrol": a hyphen between letters joins one name; "/" separates two ("carboplatin/5-FU").
const NAME_CUT: CutRules = { wordJoiners: '-', numberJoiners: '' };
// Below this confidence an unknown name is most often a word that is not a drug; above it, most often a drug the
// lexicon lacks (measured on train and tune, apps/validator/src/checks/README.md), so it is only noted.
export const UNKNOWN_NAME_REVIEW_BELOW_CONFIDENCE = 0.9;
const WORD_CHAR_RE = /[\p{L}\p{N}-]/u;

/** The whole hyphenated word a span lies in ("Depo-Medrol" around "Medrol"). */
function wholeWord(text: string, start: number, end: number): string {
  let s = start;
  let e = end;
  while (s > 0 && WORD_CHAR_RE.test(text[s - 1]!)) s--;
  while (e < text.length && WORD_CHAR_RE.test(text[e]!)) e++;
  return text.slice(s, e);
}

// "Tylenol" of "Tylenol No. 3" / "Tylenol #3": the number is part of the name and changes the drug.
const NUMBERED_AFTER_RE = /^\s*(?:#|No\.?)\s*\d/i;
// A drug name used to name a lab test or a company, which the guideline does not annotate ("digoxin level").
const MODIFIER_HEAD_RE = /^[\s-]+(?:levels?|deficienc(?:y|ies)|company|test(?:ing)?|titers?|assay|screen)\b/i;

// A name the guideline writes without trailing punctuation ("Tylenol #" lost its "3", "Peri-" its second half).
const DANGLING_RE = /[-#/(&+]$|^[-)/&+]/;

// A name in a comma-separated run of lab results ("chloride 104, bicarb 25, glucose 113") is a lab.
const AFTER_LAB_RE = /^[ \t]*,[ \t]*$/;
const BARE_NUMBER_RE = /^[ \t]+\d+(?:\.\d+)?[ \t]*(?:,|$)/;
const LOOK_AHEAD = 15;

function amongLabs(text: string, name: Span, labSpans: readonly Span[]): boolean {
  const afterLab = labSpans.some((l) => l.end <= name.start && AFTER_LAB_RE.test(text.slice(l.end, name.start)));
  return afterLab && BARE_NUMBER_RE.test(text.slice(name.end, name.end + LOOK_AHEAD));
}

// The word right before or after a name on its line, joined to it by one space ("regular insulin", "Lugol's iodine",
// "Econopred Plus").
const WORD_BEFORE_RE = /(?<![\p{L}\p{N}'-])([\p{L}][\p{L}'-]*) $/u;
const WORD_AFTER_RE = /^ ([\p{L}][\p{L}'-]*)(?![\p{L}\p{N}'-])/u;

/**
 * Whether the name with its neighbouring word is, word for word, a name the lexicon holds for another drug. The same
 * drug written longer ("normal saline", "Inderal LA", "baby aspirin") reads the drug right and is not flagged.
 */
function longerNameBeside(text: string, span: Span): boolean {
  const before = WORD_BEFORE_RE.exec(text.slice(Math.max(0, span.start - 30), span.start))?.[1];
  const after = WORD_AFTER_RE.exec(text.slice(span.end, span.end + 30))?.[1];
  const own = drugIdentity(span.text);
  return [before && `${before} ${span.text}`, after && `${span.text} ${after}`].some(
    (longer) => typeof longer === 'string' && isLexiconName(longer) && drugIdentity(longer) !== own,
  );
}

export function checkName(
  note: NoteText,
  facts: MedicationFacts,
  labSpans: readonly Span[],
  flags: ValidationFlag[],
): void {
  const path = `${facts.path}/name`;
  const span = facts.name?.span;
  if (span && MODIFIER_HEAD_RE.test(note.text.slice(span.end, span.end + 20))) {
    flags.push(flag('NAME_AS_MODIFIER', path, 'drug name names a lab test or a company here, not a medication'));
  }
  if (span && amongLabs(note.text, span, labSpans)) {
    flags.push(flag('NAME_AMONG_LABS', path, 'medication name stands among lab results'));
  }
  if (span) {
    const edge = cutEdge(note.text, span, NAME_CUT);
    // A piece that names the same drug as the whole word ("amoxicillin" of "amoxicillin-clavulanate") reads it right.
    const samePiece =
      edge !== null && drugIdentity(span.text) === drugIdentity(wholeWord(note.text, span.start, span.end));
    const numbered = NUMBERED_AFTER_RE.test(note.text.slice(span.end, span.end + 8));
    if ((edge !== null && !samePiece) || DANGLING_RE.test(span.text) || numbered) {
      flags.push(
        flag(
          'NAME_SPAN_CUT',
          path,
          edge === 'start'
            ? 'name span begins inside a word of the note'
            : edge === 'end'
              ? 'name span ends inside a word of the note'
              : 'name span ends or begins with punctuation that joins it to more of the name',
        ),
      );
    }
  }
  if (span && longerNameBeside(note.text, span)) {
    flags.push(flag('NAME_SPAN_SHORT', path, 'the name with the word beside it is a longer drug name'));
  }
  // Above the confidence threshold an unknown name is most often a real drug the lexicon lacks: the dose check's
  // DRUG_UNKNOWN (info) already records it, so only the review-level finding is raised here.
  if (
    lexiconSource(facts.medication.name.text) === null &&
    facts.medication.confidence < UNKNOWN_NAME_REVIEW_BELOW_CONFIDENCE
  ) {
    flags.push(
      flag('NAME_NOT_IN_LEXICON', path, 'name is not a drug the lexicon knows (drug table and annotated corpus)'),
    );
  }
}
