import {
  drugIdentity,
  findDrug,
  normaliseFrequency,
  normaliseRoute,
  normaliseUnit,
  parseDose,
  type DoseUnit,
  type DrugInfo,
  type NormalisedFrequency,
  type ParsedDose,
  type RouteCode,
} from '#clinical';
import type { Medication } from '#schemas';
import { groundMention, type GroundedText } from './grounding.check.js';
import type { NoteText } from './note-text.js';
import type { ValidationFlag } from './validation-flag.js';

/**
 * Everything the medication checks need about one entry, worked out once: grounded note text for each attribute,
 * what that text says (parsed dose, normalised frequency and route), the extraction's unit normalised, and the drug.
 */
export interface MedicationFacts {
  readonly index: number;
  /** JSON pointer to the entry, `/medications/<index>`. */
  readonly path: string;
  readonly medication: Medication;
  readonly drug: DrugInfo | null;
  /** Generic name when the table knows the drug, else the normalised name text; equal identities are one drug. */
  readonly identity: string;
  readonly name: GroundedText | null;
  readonly dose: GroundedText | null;
  readonly frequency: GroundedText | null;
  readonly route: GroundedText | null;
  /** The extraction's dose unit, normalised; null when absent or unknown. */
  readonly doseUnit: DoseUnit | null;
  /** What the grounded dose text says; null when the dose is absent or ungrounded. */
  readonly doseReading: ParsedDose | null;
  /** What the grounded frequency text says; null when absent, ungrounded, or unreadable. */
  readonly frequencyReading: NormalisedFrequency | null;
  /** What the grounded route text says; null when absent, ungrounded, or unreadable. */
  readonly routeReading: RouteCode | null;
}

function collectOne(note: NoteText, medication: Medication, index: number, flags: ValidationFlag[]): MedicationFacts {
  const path = `/medications/${index}`;
  const { dose: doseMention, frequency: frequencyMention, route: routeMention } = medication;
  const name = groundMention(note, medication.name, `${path}/name`, flags);
  const dose = doseMention ? groundMention(note, doseMention, `${path}/dose`, flags) : null;
  const frequency = frequencyMention ? groundMention(note, frequencyMention, `${path}/frequency`, flags) : null;
  const route = routeMention ? groundMention(note, routeMention, `${path}/route`, flags) : null;
  const drug = findDrug(medication.name.text);
  return {
    index,
    path,
    medication,
    drug,
    identity: drugIdentity(medication.name.text),
    name,
    dose,
    frequency,
    route,
    doseUnit: doseMention?.unit ? normaliseUnit(doseMention.unit) : null,
    doseReading: dose ? parseDose(dose.text) : null,
    frequencyReading: frequency ? normaliseFrequency(frequency.text) : null,
    routeReading: route ? normaliseRoute(route.text) : null,
  };
}

/** Grounds each medication's mentions (flags go to `flags`) and collects its facts. */
export function collectMedicationFacts(
  note: NoteText,
  medications: readonly Medication[],
  flags: ValidationFlag[],
): MedicationFacts[] {
  return medications.map((m, i) => collectOne(note, m, i, flags));
}
