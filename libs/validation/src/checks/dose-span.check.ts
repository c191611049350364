import { parseDose } from '#clinical';
import type { MedicationFacts } from './medication-facts.js';
import type { NoteText } from './note-text.js';
import { cutEdge, type CutRules } from './span-boundary.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * How the dose was read from the note, rather than what it says: a span that cuts a number ("5 mg" of "2.5 mg", "1"
 * of "1%"), a bare number with no unit anywhere in its text ("Evista 3" read from a list number), and a count of
 * tablets taken where the note also gives the strength ("metoprolol 100 mg two tablets": the guideline's dose is the
 * strength).
 */

// "2.[5 mg]", "1,[000 mg]", "[5]-FU", "[1]%": an edge inside a number, a hyphenated word, or before a percent sign.
const DOSE_CUT: CutRules = { wordJoiners: '-', numberJoiners: '.,', trailing: '%', joinedEndMustContinue: true };
// How far from the dose a strength may stand and still be the same drug's: "Augmentin 875 mg 1 tablet".
const STRENGTH_WINDOW = 40;
const STRENGTH_AFTER_WINDOW = 20;
const SEPARATOR_RE = /[,;)]/;
const STRENGTH_FOLLOWS_RE = /^\s*\(?\s*\d/;

function strengthNearby(note: NoteText, facts: MedicationFacts): boolean {
  const dose = facts.dose?.span;
  const name = facts.name?.span;
  if (!dose) return false;
  const windows: string[] = [];
  if (name && name.end <= dose.start && dose.start - name.end <= STRENGTH_WINDOW) {
    if (!note.hasBoundaryBetween(name.end, dose.start)) windows.push(note.text.slice(name.end, dose.start));
  }
  // After the count only a strength that follows it at once: "2 tablets 800 mg", "2 tablets (1000 mg)".
  const after = note.text.slice(dose.end, dose.end + STRENGTH_AFTER_WINDOW);
  if (STRENGTH_FOLLOWS_RE.test(after)) {
    const stop = after.search(SEPARATOR_RE);
    windows.push(stop < 0 ? after : after.slice(0, stop));
  }
  return windows.some((w) => parseDose(w).amounts.some((a) => a.unit?.dimension === 'mass'));
}

// A local anaesthetic written with both its strength and its volume ("10 mL of 0.5% Marcaine"): the guideline leaves
// the choice open and annotators differ (data/corpus/README.md), so a reviewer settles which one the entry keeps.
const OTHER_FORM_WINDOW = 25;

function otherFormNearby(note: NoteText, facts: MedicationFacts): boolean {
  const dose = facts.dose?.span;
  const dimension = facts.doseUnit?.dimension;
  if (!dose || (dimension !== 'percent' && dimension !== 'volume')) return false;
  const other = dimension === 'percent' ? 'volume' : 'percent';
  const name = facts.name?.span;
  const from = Math.min(dose.start, name?.start ?? dose.start);
  const to = Math.max(dose.end, name?.end ?? dose.end);
  const around = [
    note.text.slice(Math.max(0, from - OTHER_FORM_WINDOW), from),
    note.text.slice(to, to + OTHER_FORM_WINDOW),
  ];
  // The other form can also stand between the two: "10 cc of 0.5% Marcaine".
  if (name) around.push(note.text.slice(Math.min(dose.end, name.end), Math.max(dose.start, name.start)));
  return around.some((w) => parseDose(w).amounts.some((a) => a.unit?.dimension === other));
}

// A dose states how much: a number, a number word ("one-half tablet", "a couple of puffs"), or a dosing scheme
// ("sliding scale"). Text with none of them is another word taken as the dose ("infused over four minutes", "drops").
const AMOUNT_RE =
  /\d|\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|half|quarter|single|double|couple|few|several|sliding\s+scale)\b/i;

export function checkDoseSpan(note: NoteText, facts: MedicationFacts, flags: ValidationFlag[]): void {
  const dose = facts.medication.dose;
  if (!dose) return;
  const path = `${facts.path}/dose`;
  const span = facts.dose?.span;
  if (span) {
    const edge = cutEdge(note.text, span, DOSE_CUT);
    if (edge !== null) {
      flags.push(
        flag(
          'DOSE_SPAN_CUT',
          path,
          edge === 'start' ? 'dose span begins inside a number or word' : 'dose span ends inside a number or word',
        ),
      );
    }
  }
  if (span && !AMOUNT_RE.test(span.text)) {
    flags.push(flag('DOSE_NOT_AN_AMOUNT', path, 'dose text holds no number or amount'));
  }
  const reading = facts.doseReading;
  if (dose.value !== null && dose.unit === null && reading !== null && reading.amounts.every((a) => a.unit === null)) {
    flags.push(flag('DOSE_WITHOUT_UNIT', path, 'dose is a number with no unit in its text'));
  }
  if (otherFormNearby(note, facts)) {
    flags.push(
      flag('DOSE_FORM_AMBIGUOUS', `${path}/unit`, 'the note gives both a strength and a volume for this drug'),
    );
  }
  if (facts.doseUnit?.dimension === 'count' && strengthNearby(note, facts)) {
    flags.push(
      flag(
        'DOSE_COUNT_BESIDE_STRENGTH',
        `${path}/unit`,
        'dose is a count of units taken, but the note gives the strength beside it',
      ),
    );
  }
}
