import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normaliseFrequency, normaliseRoute, parseDose } from '#clinical';
import {
  EXTRACTION_SCHEMA_VERSION,
  MEDICATION_STATUSES,
  type ClinicalExtraction,
  type Medication,
  type Span,
} from '#schemas';
import { pick, seededRandom } from './seeded-random.js';

/**
 * Turns the medication gold set (../shared/data/medication-gold-dev, see its GUIDELINE.md) into contract-form
 * extractions: spans from the gold, codes from the project's normalisers, dose value and unit from the dose parser.
 * Also generates a synthetic set of the same shape for machines without ../shared.
 */

export const GOLD_DIR = fileURLToPath(new URL('../../../../shared/data/medication-gold-dev/', import.meta.url));

interface GoldSpan {
  text: string;
  start: number;
  end: number;
}

interface GoldMedication {
  name: GoldSpan;
  dose: GoldSpan | null;
  frequency: GoldSpan | null;
  route: GoldSpan | null;
  status: string;
}

export interface NoteWithExtraction {
  readonly id: string;
  readonly text: string;
  readonly extraction: ClinicalExtraction;
}

const ENGINE: ClinicalExtraction['engine'] = { name: 'gold', model: 'medication-gold-dev', version: '1' };
const STATUSES: ReadonlySet<string> = new Set(MEDICATION_STATUSES);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const value: unknown = JSON.parse(line);
      if (!isRecord(value)) throw new Error(`${file} line ${i + 1}: not a JSON object`);
      return value;
    });
}

function toSpan(span: GoldSpan): Span {
  return { text: span.text, start: span.start, end: span.end };
}

export function goldMedicationToContract(g: GoldMedication): Medication {
  const dose = g.dose ? parseDose(g.dose.text) : null;
  const frequency = g.frequency ? normaliseFrequency(g.frequency.text) : null;
  return {
    name: { text: g.name.text, span: toSpan(g.name) },
    dose: g.dose
      ? { text: g.dose.text, span: toSpan(g.dose), value: dose?.value ?? null, unit: dose?.unit?.code ?? null }
      : null,
    frequency: g.frequency
      ? {
          text: g.frequency.text,
          span: toSpan(g.frequency),
          code: frequency?.code ?? null,
          timesPerDay: frequency?.timesPerDay ?? null,
          asNeeded: frequency?.asNeeded ?? false,
        }
      : null,
    route: g.route ? { text: g.route.text, span: toSpan(g.route), code: normaliseRoute(g.route.text) } : null,
    status: STATUSES.has(g.status) ? (g.status as Medication['status']) : 'unknown',
    confidence: 1,
  };
}

export function extractionOf(noteId: string, medications: Medication[]): ClinicalExtraction {
  return {
    schemaVersion: EXTRACTION_SCHEMA_VERSION,
    noteId,
    engine: ENGINE,
    patient: { age: null, sex: { value: 'unknown', span: null } },
    medications,
    diagnoses: [],
    symptoms: [],
    labs: [],
    followUps: [],
  };
}

/** The gold set as clean extractions; null when ../shared is not beside the checkout. */
export function loadGoldExtractions(): NoteWithExtraction[] | null {
  const notesFile = `${GOLD_DIR}notes.jsonl`;
  const goldFile = `${GOLD_DIR}gold.jsonl`;
  if (!existsSync(notesFile) || !existsSync(goldFile)) return null;
  const texts = new Map(readJsonl(notesFile).map((n) => [String(n['id']), String(n['text'])]));
  return readJsonl(goldFile).map((g) => {
    const id = String(g['id']);
    const text = texts.get(id);
    if (text === undefined) throw new Error(`gold entry ${id} has no note`);
    const medications = g['medications'];
    if (!Array.isArray(medications)) throw new Error(`gold entry ${id} has no medications array`);
    return { id, text, extraction: extractionOf(id, (medications as GoldMedication[]).map(goldMedicationToContract)) };
  });
}

// name, dose, frequency, route as they appear in a medication list.
// prettier-ignore
const SYNTHETIC_SIGS: readonly (readonly [string, string, string, string])[] = [
  ['Lisinopril', '10 mg', 'daily', 'p.o.'], ['Metformin', '500 mg', 'b.i.d.', 'by mouth'], ['Atorvastatin', '40 mg', 'at bedtime', 'p.o.'],
  ['Metoprolol', '25 mg', 'twice a day', 'p.o.'], ['Levothyroxine', '75 mcg', 'every morning', 'orally'], ['Amlodipine', '5 mg', 'q.d.', 'p.o.'],
  ['Furosemide', '40 mg', 'daily', 'IV'], ['Albuterol', '2 puffs', 'q4-6h p.r.n.', 'inhaled'], ['Insulin glargine', '20 units', 'at bedtime', 'subcutaneously'],
  ['Aspirin', '81 mg', 'daily', 'p.o.'], ['Omeprazole', '20 mg', 'daily', 'p.o.'], ['Gabapentin', '300 mg', 't.i.d.', 'p.o.'],
  ['Sertraline', '50 mg', 'daily', 'p.o.'], ['Warfarin', '5 mg', 'every evening', 'p.o.'], ['Acetaminophen', '650 mg', 'every 6 hours as needed', 'p.o.'],
  ['Potassium chloride', '20 mEq', 'twice daily', 'p.o.'], ['Prednisone', '10 mg', 'daily', 'p.o.'], ['Enoxaparin', '40 mg', 'q.d.', 'subq'],
  ['Ondansetron', '4 mg', 'q8h p.r.n.', 'IV'], ['Tamsulosin', '0.4 mg', 'nightly', 'p.o.'], ['Fluticasone', '2 sprays', 'daily', 'intranasal'],
  ['Losartan', '50 mg', 'daily', 'p.o.'], ['Clopidogrel', '75 mg', 'daily', 'p.o.'], ['Lorazepam', '0.5 mg', 'q.h.s. p.r.n.', 'p.o.'],
];

/** Generated notes of `medsPerNote` list entries each, with their exact extractions. */
export function syntheticExtractions(notes: number, medsPerNote: number, seed = 7): NoteWithExtraction[] {
  const random = seededRandom(seed);
  return Array.from({ length: notes }, (_, n) => {
    const id = `synthetic-${n}`;
    let text = 'HISTORY OF PRESENT ILLNESS: The patient is seen for follow-up of chronic conditions.\nMEDICATIONS:\n';
    const medications: Medication[] = [];
    for (let i = 0; i < medsPerNote; i++) {
      const [name, dose, frequency, route] = pick(random, SYNTHETIC_SIGS);
      const at = (part: string, offset: number): GoldSpan => ({ text: part, start: offset, end: offset + part.length });
      const line = `${i + 1}. ${name} ${dose} ${route} ${frequency}.\n`;
      const base = text.length + `${i + 1}. `.length;
      const nameSpan = at(name, base);
      const doseSpan = at(dose, nameSpan.end + 1);
      const routeSpan = at(route, doseSpan.end + 1);
      const frequencySpan = at(frequency, routeSpan.end + 1);
      text += line;
      medications.push(
        goldMedicationToContract({
          name: nameSpan,
          dose: doseSpan,
          frequency: frequencySpan,
          route: routeSpan,
          status: 'current',
        }),
      );
    }
    text += 'PLAN: Continue current medications. Follow up in three months.\n';
    return { id, text, extraction: extractionOf(id, medications) };
  });
}
