import type { ClinicalExtraction, Condition } from '#schemas';
import type { NoteText } from './note-text.js';
import { cutEdge, type CutRules } from './span-boundary.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Problems (diagnoses and symptoms): the engine's wrong ones are mostly pieces of a longer mention ("chest" and
 * "pain" as two entries), words inside a heading ("DISCHARGE DIAGNOSES:"), problem words used to name something else
 * ("pain medications", "Cancer Center", "anti-seizure") and function words ("of").
 */

// "anti-[reflux]", "[obesity]-related": a hyphen joins the span to the rest of a word.
const PROBLEM_CUT: CutRules = { wordJoiners: '-', numberJoiners: '' };
// prettier-ignore
const FUNCTION_WORDS: ReadonlySet<string> = new Set([
  'of', 'the', 'and', 'or', 'with', 'in', 'on', 'for', 'to', 'a', 'an', 'no', 'at', 'by', 'as', 'from', 'is', 'not',
]);
// The word after a problem word that makes it the name of a treatment, service, test, specimen or place.
const MODIFIER_HEAD_RE =
  /^[\s-]+(?:medications?|meds|pills|management|relief|clinic|service|center|centre|team|scale|rating|screening|surgery|operation|procedures?|factor|profile|titer|precautions|prophylaxis|drugs?|specialist|program|consult|consultation|risk|x-ray|related|buster|specimen|junction|cancellous|subchondral)\b/i;
// A result in a list of tests ("Streptococcus pneumoniae: Negative").
const TEST_RESULT_RE = /^[ \t]*:[ \t]*(?:negative|positive)\b/i;
// Bleeding a surgeon controls is part of the operation, not a problem of the patient.
const CONTROLLED_BEFORE_RE = /\bcontrol(?:led|ling)?\b(?:\s+\w+){0,2}\s*$/i;
const CONTROLLED_AFTER_RE = /^\s+(?:was|is)\s+controlled\b/i;
// Discharge as the end of a stay ("at the time of discharge", "plan to discharge the patient"), not a body discharge.
const DISCHARGE_RE = /^discharge$/i;
const STAY_BEFORE_RE = /\b(?:of|at|by|before|after|to|on|upon|until|prior|following|for)\s+$/i;
const STAY_AFTER_RE =
  /^\s*(?:the\s+patient|him|her|home|to\b|instructions|plan|condition|summary|diagnos[ie]s|medications)/i;
const ANTI_RE = /\banti-?$/i;
// A short run of letters between a separator and a colon: a heading ("NOSE AND THROAT:", "Neck:").
const HEADING_BEFORE_RE = /(?:^|[\n,.;:*])[ \t]*((?:[A-Za-z/&]+[ \t]+){0,3})$/;
const HEADING_AFTER_RE = /^((?:[ \t]+[A-Za-z/&]+){0,3})[ \t]*:/;
// Between two pieces of one mention: nothing, a space, or up to two words ("obstructive [sleep] apnea").
const SPLIT_GAP_RE = /^(?:[ \t]?|[ \t]+[A-Za-z]+[ \t]+)$/;
const LETTER_RE = /\p{L}/gu;
const LOWER_RE = /[a-z]/;

interface Problem {
  readonly path: string;
  readonly condition: Condition;
}

function inHeading(note: NoteText, start: number, end: number): boolean {
  const before = HEADING_BEFORE_RE.exec(note.text.slice(Math.max(0, start - 40), start));
  const after = HEADING_AFTER_RE.exec(note.text.slice(end, end + 40));
  if (!before || !after) return false;
  const phrase = `${before[1]}${note.text.slice(start, end)}${after[1]}`;
  // All capitals, or a one-word heading of a review of systems ("Neck:", "Weight:").
  return !LOWER_RE.test(phrase) || phrase.trim().split(/\s+/).length === 1;
}

export function checkProblems(note: NoteText, extraction: ClinicalExtraction, flags: ValidationFlag[]): void {
  const problems: Problem[] = [
    ...extraction.diagnoses.map((condition, i) => ({ path: `/diagnoses/${i}`, condition })),
    ...extraction.symptoms.map((condition, i) => ({ path: `/symptoms/${i}`, condition })),
  ];
  // Only spans that match the note; grounding reports the others.
  const grounded = problems.filter(
    ({ condition: { span } }) =>
      span !== null && span.end <= note.length && note.text.startsWith(span.text, span.start),
  );
  grounded.forEach(({ path, condition }, k) => {
    const span = condition.span!;
    const { text } = note;
    const letters = span.text.match(LETTER_RE)?.length ?? 0;
    if (
      cutEdge(text, span, PROBLEM_CUT) !== null ||
      FUNCTION_WORDS.has(span.text.trim().toLowerCase()) ||
      letters < 2
    ) {
      flags.push(flag('PROBLEM_SPAN_CUT', path, 'problem span is a piece of a word or a function word'));
      return;
    }
    // The later of two entries that together are one mention ("chest" + "pain"): the earlier one stands for it.
    const earlier = grounded.slice(0, k).find(({ condition: other }) => {
      const o = other.span!;
      const gap =
        o.end <= span.start
          ? text.slice(o.end, span.start)
          : span.end <= o.start
            ? text.slice(span.end, o.start)
            : null;
      return gap !== null && SPLIT_GAP_RE.test(gap) && !FUNCTION_WORDS.has(gap.trim().toLowerCase());
    });
    if (earlier) {
      flags.push(flag('PROBLEM_SPLIT', path, `this entry and ${earlier.path} are pieces of one mention`));
      return;
    }
    if (inHeading(note, span.start, span.end)) {
      flags.push(flag('PROBLEM_IN_HEADING', path, 'problem span is part of a section heading'));
      return;
    }
    const after = text.slice(span.end, span.end + 30);
    const before = text.slice(Math.max(0, span.start - 30), span.start);
    if (DISCHARGE_RE.test(span.text) && (STAY_BEFORE_RE.test(before) || STAY_AFTER_RE.test(after))) {
      flags.push(flag('PROBLEM_AS_EVENT', path, 'problem word names an event of the stay here, not a problem'));
      return;
    }
    if (
      MODIFIER_HEAD_RE.test(after) ||
      TEST_RESULT_RE.test(after) ||
      ANTI_RE.test(before) ||
      CONTROLLED_BEFORE_RE.test(before) ||
      CONTROLLED_AFTER_RE.test(after)
    ) {
      flags.push(
        flag('PROBLEM_AS_MODIFIER', path, 'problem word names a treatment, service or test here, not a problem'),
      );
    }
  });
}
