import { timesPerDayAgrees } from '#clinical';
import type { Span } from '#schemas';
import type { MedicationFacts } from './medication-facts.js';
import type { NoteText } from './note-text.js';
import { flag, type ValidationFlag } from './validation-flag.js';

// "once again", "once somnolent": "once" as a conjunction or adverb of sequence, not a dosing frequency. A dosing
// "once" ends its clause or goes on with a time ("once daily", "once a week").
const ONCE_RE = /^once$/i;
const ONCE_GOES_ON_RE =
  /^[ \t]+(?!(?:a|an|per|daily|weekly|monthly|every|each|more|only|now|today|tonight|in|at|before|after|prior|on|then)\b)[a-z]/;

// Words a dosing frequency is made of. A frequency span with one of them right beside it (past a connective) stops
// short: the guideline's span is the whole frequency, "p.r.n." included when adjacent ("q.i.d. and p.r.n.",
// "b.i.d. to t.i.d.", "q. weekly", "twice every 8 hours", "per day", "b.i.d. on Mondays, Wednesdays and Fridays").
const FREQUENCY_WORD = [
  String.raw`p\.?\s?r\.?\s?n\.?`,
  String.raw`as\s+needed`,
  String.raw`[bt]\.?\s?i\.?\s?d\.?`,
  String.raw`q\.?\s?i\.?\s?d\.?`,
  String.raw`q\.?\s?\d+\s?(?:h(?:ours?|rs?)?|min(?:utes?)?|d(?:ays?)?|w(?:eeks?|ks?)?)\.?`,
  String.raw`q\.?\s?(?:d|h\.?\s?s|a\.?\s?m|p\.?\s?m|day|week|month|night|morning|evening)\.?`,
  String.raw`h\.?\s?s\.?`,
  String.raw`daily|nightly|weekly|monthly|twice|thrice|every|each`,
  String.raw`(?:mon|tues|wednes|thurs|fri|satur|sun)days?`,
].join('|');
// Before the span: a frequency word (or "q.", "per", "for 5 days") then at most a connective.
const CONTINUED_FROM_RE = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:${FREQUENCY_WORD}|q\.|per|once|for\s+\d+\s+(?:days?|weeks?|months?))[ \t]*(?:,|and|or|to|then)?[ \t]*$`,
  'iu',
);
// After the span: at most a connective, then a frequency word ("per" only as "per day"; not "per GI").
const CONTINUED_BY_RE = new RegExp(
  String.raw`^[ \t]*(?:,[ \t]*)?(?:(?:and|or|to|then|on)[ \t]+)?(?:${FREQUENCY_WORD}|per\s+(?:day|week|month|night|hour))(?![\p{L}\p{N}])`,
  'iu',
);
// How far back a frequency word beside the span is looked for, on the span's own line.
const LOOK_BACK = 40;

/** Whether a frequency word sits right beside the span on its line, so the span holds only part of the frequency. */
export function frequencyContinues(text: string, span: Span): boolean {
  const lineStart = text.lastIndexOf('\n', span.start - 1) + 1;
  const before = text.slice(Math.max(lineStart, span.start - LOOK_BACK), span.start);
  const lineEnd = text.indexOf('\n', span.end);
  const after = text.slice(span.end, Math.min(lineEnd === -1 ? text.length : lineEnd, span.end + LOOK_BACK));
  return CONTINUED_FROM_RE.test(before) || CONTINUED_BY_RE.test(after);
}

// Engines round doses per day (0.011 for every three months); a value within rounding of the text's says the same.
const ROUNDING = 5e-4;
function roundedFrom(exact: number | null, written: number): boolean {
  return exact !== null && Math.abs(exact - written) < ROUNDING;
}

/** The extraction's frequency code, doses per day and as-needed flag must say what the frequency text says. */
export function checkFrequency(note: NoteText, facts: MedicationFacts, flags: ValidationFlag[]): void {
  const frequency = facts.medication.frequency;
  if (!frequency || !facts.frequency) return;
  const path = `${facts.path}/frequency`;
  const span = facts.frequency.span;
  if (span && ONCE_RE.test(span.text) && ONCE_GOES_ON_RE.test(note.text.slice(span.end, span.end + 20))) {
    flags.push(flag('FREQUENCY_NOT_A_SIG', path, 'this word is not a dosing frequency here'));
  }
  if (span && frequencyContinues(note.text, span)) {
    flags.push(flag('FREQUENCY_SPAN_CUT', path, 'the frequency stops before words that continue it'));
  }
  const reading = facts.frequencyReading;
  if (!reading) {
    flags.push(
      flag(
        'FREQUENCY_UNPARSEABLE',
        path,
        'frequency text could not be read as a dosing frequency, so its coding was not verified',
      ),
    );
    return;
  }
  if (frequency.code !== null && !reading.acceptedCodes.has(frequency.code)) {
    flags.push(flag('FREQUENCY_MISMATCH', `${path}/code`, 'frequency code does not match the frequency text'));
  }
  if (
    frequency.timesPerDay !== null &&
    !timesPerDayAgrees(reading, frequency.timesPerDay) &&
    !roundedFrom(reading.timesPerDay, frequency.timesPerDay)
  ) {
    flags.push(flag('FREQUENCY_MISMATCH', `${path}/timesPerDay`, 'times per day does not match the frequency text'));
  }
  if (frequency.asNeeded !== reading.asNeeded) {
    flags.push(
      flag(
        'FREQUENCY_MISMATCH',
        `${path}/asNeeded`,
        reading.asNeeded
          ? 'frequency text says as needed but the entry does not'
          : 'entry says as needed but the frequency text does not',
      ),
    );
  }
}
