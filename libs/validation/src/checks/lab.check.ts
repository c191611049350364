import { amountsEqual } from '#clinical';
import type { ClinicalExtraction, Span } from '#schemas';
import type { NoteText } from './note-text.js';
import { cutEdge, spansOverlap, type CutRules } from './span-boundary.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Labs. A lab's number must be a number its value text gives; "1,200" gives 1200 (and, read as a list, 1 and 200).
 * Engines that tag tokens err on labs the way they err on drugs: spans cut inside a word or a number ("7.43/" of
 * "7.43/36/398", "Beta-" of "Beta-2 microglobulin"), a value that stops at a comparator ("less than" of "less than
 * 0.3"), a word taken as the result that is no result at all ("segments", "grew"), and in runs of results written
 * value-first ("2+ leukocytes, positive nitrites") a value given to the neighbouring test.
 */

const GROUPED_RE = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?/g;
const PLAIN_RE = /-?\d+(?:\.\d+)?/g;
const COMMA_RE = /,/g;

export function labValueNumbers(text: string): number[] {
  const grouped = (text.match(GROUPED_RE) ?? []).map((n) => Number(n.replace(COMMA_RE, '')));
  return [...grouped, ...(text.match(PLAIN_RE) ?? []).map(Number)];
}

function checkLabNumbers(extraction: ClinicalExtraction, flags: ValidationFlag[]): void {
  extraction.labs.forEach((lab, i) => {
    const { value } = lab;
    if (value.value === null) return;
    const numbers = labValueNumbers(value.text);
    if (numbers.length > 0 && !numbers.some((n) => amountsEqual(n, value.value!))) {
      flags.push(
        flag(
          'LAB_VALUE_NOT_IN_TEXT',
          `/labs/${i}/value/value`,
          'lab value does not match any number in its value text',
        ),
      );
    }
  });
}

// No trailing '%': a lab's unit is its own field ("8.1" with unit "%").
const LAB_CUT: CutRules = { wordJoiners: '-', numberJoiners: '.,', joinedEndMustContinue: true };
// A span the guideline never ends or begins with: punctuation that joins it to more of the name or the result.
const DANGLING_RE = /[-/(:]$|^[-/)]/;
// A result that stops before its number or its qualifier: "less than", "greater than", "within", "too much to".
const STOPS_SHORT_RE = /\b(?:than|less|greater|more|within|to|of|at|was|is|were|are|by|from)$/i;
// What a result says when it is not a number: qualitative readings and grades.
const RESULT_WORD_RE =
  /\b(?:pos|neg|positive|negative|normal|abnormal|elevated|high|low|increased|decreased|reduced|raised|unremarkable|reactive|nonreactive|trace|detected|undetectable|detectable|present|absent|immune|wnl|stable|borderline|equivocal|inconclusive|indeterminate|pending|few|many|moderate|occasional|rare|large|small|numerous|none|not|no|clear|cloudy|yellow|intact|benign|sterile|growth|mild|marked|significant)\b/i;
// A blood group written as the result ("O positive" is covered above; "AB+", "O-").
const BLOOD_GROUP_RE = /^(?:A|B|AB|O)\s*[+-]$/;
const DIGIT_RE = /\d/;
const ADJACENT_RE = /^\s{1,3}$/;

function adjacent(text: string, a: Span, b: Span): boolean {
  return (
    (a.end <= b.start && ADJACENT_RE.test(text.slice(a.end, b.start))) ||
    (b.end <= a.start && ADJACENT_RE.test(text.slice(b.end, a.start)))
  );
}

/** Span-level lab checks: cut spans, results that are no results, values that belong to the next test. */
function checkLabSpans(note: NoteText, extraction: ClinicalExtraction, flags: ValidationFlag[]): void {
  const names = extraction.labs.map((l) => l.name.span);
  extraction.labs.forEach((lab, i) => {
    const path = `/labs/${i}`;
    for (const [part, span] of [
      ['name', lab.name.span],
      ['value', lab.value.span],
    ] as const) {
      if (!span) continue;
      if (cutEdge(note.text, span, LAB_CUT) !== null || DANGLING_RE.test(span.text)) {
        flags.push(flag('LAB_SPAN_CUT', `${path}/${part}`, `lab ${part} span cuts a word or a number of the note`));
      } else if (part === 'value' && STOPS_SHORT_RE.test(span.text.trim())) {
        flags.push(flag('LAB_SPAN_CUT', `${path}/value`, 'lab result stops before its number or qualifier'));
      }
    }
    const value = lab.value.span;
    const valueText = lab.value.text.trim();
    if (!DIGIT_RE.test(valueText) && !RESULT_WORD_RE.test(valueText) && !BLOOD_GROUP_RE.test(valueText)) {
      flags.push(flag('LAB_VALUE_NOT_A_RESULT', `${path}/value`, 'lab value holds no number and no result word'));
    }
    const own = lab.name.span;
    if (value && own && !adjacent(note.text, value, own)) {
      const other = names.some(
        (n, j) => j !== i && n !== null && (spansOverlap(n, value) || adjacent(note.text, n, value)),
      );
      if (other) {
        flags.push(
          flag('LAB_VALUE_OF_OTHER', `${path}/value`, 'this lab value stands beside another test, not its own'),
        );
      }
    }
  });
}

/** Every lab check: the number against its value text, then the spans against the note. */
export function checkLabs(note: NoteText, extraction: ClinicalExtraction, flags: ValidationFlag[]): void {
  checkLabNumbers(extraction, flags);
  checkLabSpans(note, extraction, flags);
}
