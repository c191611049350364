import { timesPerDayAgrees } from '#clinical';
import type { MedicationFacts } from './medication-facts.js';
import type { NoteText } from './note-text.js';
import { flag, type ValidationFlag } from './validation-flag.js';

// "once again", "once somnolent": "once" as a conjunction or adverb of sequence, not a dosing frequency. A dosing
// "once" ends its clause or goes on with a time ("once daily", "once a week").
const ONCE_RE = /^once$/i;
const ONCE_GOES_ON_RE =
  /^[ \t]+(?!(?:a|an|per|daily|weekly|monthly|every|each|more|only|now|today|tonight|in|at|before|after|prior|on|then)\b)[a-z]/;

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
