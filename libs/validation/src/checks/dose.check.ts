import {
  amountsEqual,
  convertAmount,
  unitsComparable,
  type DoseAmount,
  type DoseReference,
  type DoseUnit,
  type ParsedDose,
  type UnitDimension,
} from '#clinical';
import type { MedicationFacts } from './medication-facts.js';
import { flag, formatRatio, type ValidationFlag } from './validation-flag.js';

/**
 * Dose checks: the value and unit must say what the dose text says, be physically plausible, and, for drugs in the
 * knowledge table, be a unit the drug is dosed in and sit within its usual adult range.
 */

// The table's ranges are usual doses, not limits, so only doses well outside them are flagged: 2x above the usual
// maximum single dose, or below a fifth of the usual minimum (low doses are common in the frail and in titration).
const ABOVE_RANGE_FACTOR = 2;
const BELOW_RANGE_FACTOR = 5;
// mg/mcg (and g/mg) mix-ups shift a dose by exactly this factor.
const MASS_MIX_UP_FACTOR = 1000;
const DAILY_TOLERANCE = 1 + 1e-9;

// Above these a single dose is impossible whatever the drug (in the dimension's base unit: mg, mL, count...).
const PLAUSIBLE_SINGLE_DOSE_MAX: Partial<Record<UnitDimension, number>> = {
  mass: 100_000,
  volume: 5_000,
  count: 20,
  arbitrary: 50_000_000,
  equivalents: 400,
  amount: 400,
  percent: 100,
  radioactivity: 1_000,
  'mass-per-weight': 1_000,
};

function powerOfTenRatio(a: number, b: number): number | null {
  if (!(a > 0) || !(b > 0)) return null;
  const exponent = Math.log10(a / b);
  const rounded = Math.round(exponent);
  return rounded !== 0 && Math.abs(exponent - rounded) < 1e-9 ? Math.pow(10, rounded) : null;
}

/** Whether an amount read from the text is `value unit`, as written or converted ("0.1 mg" is 100 ug). */
function isQuantity(amount: DoseAmount, value: number, unit: DoseUnit): boolean {
  if (!amount.unit) return false;
  if (amount.unit.code === unit.code) return amountsEqual(amount.value, value);
  const converted = convertAmount(amount.value, amount.unit, unit);
  return converted !== null && amountsEqual(converted, value);
}

function checkValueAgainstText(
  value: number,
  unit: DoseUnit | null,
  reading: ParsedDose,
  path: string,
  flags: ValidationFlag[],
): void {
  const { amounts } = reading;
  if (amounts.some((a) => amountsEqual(a.value, value) || (unit !== null && isQuantity(a, value, unit)))) return;
  if (amounts.length === 0) {
    flags.push(
      flag('DOSE_VALUE_NOT_IN_TEXT', `${path}/value`, 'dose value is given but the dose text contains no number'),
    );
    return;
  }
  const ratio = amounts.length === 1 ? powerOfTenRatio(value, amounts[0]!.value) : null;
  const how =
    ratio === null
      ? ''
      : ratio > 1
        ? ` (it is ${ratio}x the number in the text)`
        : ` (it is 1/${1 / ratio} of the number in the text)`;
  flags.push(
    flag('DOSE_VALUE_NOT_IN_TEXT', `${path}/value`, `dose value does not match any number in the dose text${how}`),
  );
}

function checkUnitAgainstText(
  value: number | null,
  unit: DoseUnit,
  reading: ParsedDose,
  path: string,
  flags: ValidationFlag[],
): void {
  const written = reading.amounts.filter((a) => a.unit !== null);
  // No unit in the text ("Lasix 40"): the engine supplied one, which only the knowledge checks can judge.
  if (written.length === 0) return;
  if (value !== null && written.some((a) => isQuantity(a, value, unit))) return;
  // A value that is not in the text at all is the value check's finding, reported once there, not again here.
  const valueInText = value !== null && reading.amounts.some((a) => amountsEqual(a.value, value));
  if (value !== null && !valueInText) return;
  if (!valueInText && written.some((a) => a.unit?.code === unit.code)) return;
  const sameKind = written.some((a) => a.unit !== null && unitsComparable(a.unit, unit));
  flags.push(
    flag(
      'DOSE_UNIT_MISMATCH',
      `${path}/unit`,
      sameKind
        ? 'dose unit differs from the unit in the dose text and no converted value explains it'
        : 'dose unit is of a different kind than the units in the dose text',
    ),
  );
}

function within(amount: number, ref: DoseReference): boolean {
  return amount >= ref.min / BELOW_RANGE_FACTOR && amount <= ref.max * ABOVE_RANGE_FACTOR;
}

/** Range check against the table; returns whether it flagged, so the daily check does not pile on. */
function checkRange(
  amount: number,
  unit: DoseUnit,
  ref: DoseReference,
  path: string,
  flags: ValidationFlag[],
): boolean {
  if (within(amount, ref)) return false;
  const above = amount > ref.max;
  if (unit.dimension === 'mass' && within(above ? amount / MASS_MIX_UP_FACTOR : amount * MASS_MIX_UP_FACTOR, ref)) {
    flags.push(
      flag(
        'DOSE_UNIT_SUSPECT',
        `${path}/unit`,
        `dose is ${above ? '1000x above' : '1000x below'} the usual range for this drug; consistent with a mg/mcg or g/mg mix-up`,
      ),
    );
  } else if (above) {
    flags.push(
      flag(
        'DOSE_ABOVE_RANGE',
        `${path}/value`,
        `dose is ${formatRatio(amount / ref.max)} the usual maximum single dose for this drug`,
      ),
    );
  } else {
    flags.push(
      flag(
        'DOSE_BELOW_RANGE',
        `${path}/value`,
        `dose is ${formatRatio(ref.min / amount)} below the usual minimum single dose for this drug`,
      ),
    );
  }
  return true;
}

export function checkDose(facts: MedicationFacts, adultRangesApply: boolean, flags: ValidationFlag[]): void {
  const dose = facts.medication.dose;
  if (!dose) return;
  const path = `${facts.path}/dose`;
  const unit = facts.doseUnit;
  if (dose.unit !== null && unit === null) {
    flags.push(flag('DOSE_UNIT_UNRECOGNISED', `${path}/unit`, 'dose unit is not a unit the validator knows'));
  }
  const reading = facts.doseReading;
  if (reading && dose.value !== null) checkValueAgainstText(dose.value, unit, reading, path, flags);
  if (reading && unit) checkUnitAgainstText(dose.value, unit, reading, path, flags);
  if (dose.value === null || unit === null) return;

  const plausibleMax = PLAUSIBLE_SINGLE_DOSE_MAX[unit.dimension];
  if (plausibleMax !== undefined && dose.value * unit.factor > plausibleMax) {
    flags.push(flag('DOSE_IMPLAUSIBLE', `${path}/value`, 'dose is larger than any single dose in this unit could be'));
    return;
  }

  const { drug } = facts;
  if (!drug) {
    flags.push(
      flag('DRUG_UNKNOWN', `${facts.path}/name`, 'drug is not in the knowledge table; its dose range was not checked'),
    );
    return;
  }
  if (!drug.dimensions.has(unit.dimension)) {
    flags.push(flag('DOSE_UNIT_UNEXPECTED', `${path}/unit`, 'dose unit is of a kind this drug is not dosed in'));
    return;
  }
  const ref = drug.dose;
  if (!adultRangesApply || !ref) return;
  const amount = convertAmount(dose.value, unit, ref.unit);
  if (amount === null || checkRange(amount, unit, ref, path, flags) || ref.maxDaily === null) return;
  const timesPerDay = facts.medication.frequency?.timesPerDay ?? facts.frequencyReading?.timesPerDay ?? null;
  if (timesPerDay !== null && amount * timesPerDay > ref.maxDaily * DAILY_TOLERANCE) {
    flags.push(
      flag(
        'DAILY_DOSE_ABOVE_MAX',
        path,
        `daily dose (dose x times per day) is ${formatRatio((amount * timesPerDay) / ref.maxDaily)} the usual maximum daily dose for this drug`,
      ),
    );
  }
}
