import { timesPerDayAgrees } from '#clinical';
import type { MedicationFacts } from './medication-facts.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/** The extraction's frequency code, doses per day and as-needed flag must say what the frequency text says. */
export function checkFrequency(facts: MedicationFacts, flags: ValidationFlag[]): void {
  const frequency = facts.medication.frequency;
  if (!frequency || !facts.frequency) return;
  const path = `${facts.path}/frequency`;
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
  if (frequency.timesPerDay !== null && !timesPerDayAgrees(reading, frequency.timesPerDay)) {
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
