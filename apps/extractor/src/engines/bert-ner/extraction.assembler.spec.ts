import { describe, expect, it } from '@jest/globals';
import type { EntitySpan } from './bio.decoder.js';
import type { EntityTarget } from './model-dir.loader.js';
import { assembleExtraction, doseUnitAsWritten } from './extraction.assembler.js';

const TYPE_OF: Record<string, EntityTarget> = {
  DRUG: 'medication.name',
  DOSE: 'medication.dose',
  FREQ: 'medication.frequency',
  ROUTE: 'medication.route',
  DX: 'diagnosis',
  SX: 'symptom',
  LAB: 'lab.name',
  VAL: 'lab.value',
  FU: 'followUp',
  AGE: 'patient.age',
  SEX: 'patient.sex',
};

/** Entities from [type, exact text, occurrence] triples, located in the text. */
function ents(text: string, specs: [string, string, number?][]): EntitySpan[] {
  return specs.map(([type, s, nth = 0]) => {
    let at = -1;
    for (let i = 0; i <= nth; i++) at = text.indexOf(s, at + 1);
    if (at < 0) throw new Error(`not found: ${s}`);
    return { type, target: TYPE_OF[type]!, start: at, end: at + s.length, confidence: 0.9 };
  });
}

describe('assembleExtraction', () => {
  it('attaches dose, route and frequency to the preceding drug and normalises them', () => {
    const text = 'MEDICATIONS:  1.  Lasix 40 mg p.o. daily.  2.  Tylenol #3 1-2 tablets q.6h. p.r.n. pain.';
    const e = ents(text, [
      ['DRUG', 'Lasix'],
      ['DOSE', '40 mg'],
      ['ROUTE', 'p.o.'],
      ['FREQ', 'daily'],
      ['DRUG', 'Tylenol #3'],
      ['DOSE', '1-2 tablets'],
      ['FREQ', 'q.6h. p.r.n.'],
    ]);
    const { medications } = assembleExtraction(text, e);
    expect(medications).toHaveLength(2);
    const [lasix, tylenol] = medications;
    expect(lasix!.dose).toMatchObject({ text: '40 mg', value: 40, unit: 'mg' });
    expect(lasix!.route).toMatchObject({ text: 'p.o.', code: 'PO' });
    expect(lasix!.frequency).toMatchObject({ code: 'QD', timesPerDay: 1, asNeeded: false });
    expect(lasix!.status).toBe('current');
    expect(tylenol!.dose).toMatchObject({ value: 1, unit: 'tablets' });
    expect(tylenol!.frequency).toMatchObject({ code: 'Q6H', asNeeded: true });
    for (const m of medications) {
      for (const part of [m.name, m.dose, m.frequency, m.route]) {
        if (part?.span) expect(text.slice(part.span.start, part.span.end)).toBe(part.span.text);
      }
    }
  });

  it('gives a sig part between two drugs of a run-on list to the earlier drug while its sig lacks that part, except a route', () => {
    const text = 'HOME MEDICATIONS: Advair 1 puff bid Lisinopril 10 mg qd IV Vancomycin 1 g q12h';
    const e = ents(text, [
      ['DRUG', 'Advair'],
      ['DOSE', '1 puff'],
      ['FREQ', 'bid'],
      ['DRUG', 'Lisinopril'],
      ['DOSE', '10 mg'],
      ['FREQ', 'qd'],
      ['ROUTE', 'IV'],
      ['DRUG', 'Vancomycin'],
      ['DOSE', '1 g'],
      ['FREQ', 'q12h'],
    ]);
    const byName = new Map(assembleExtraction(text, e).medications.map((m) => [m.name.text, m]));
    expect(byName.get('Advair')!.frequency?.text).toBe('bid');
    expect(byName.get('Lisinopril')!.frequency?.text).toBe('qd');
    // A route is written before its drug as often as after it: one right before a drug stays with that drug.
    expect(byName.get('Lisinopril')!.route).toBeNull();
    expect(byName.get('Vancomycin')!.route?.text).toBe('IV');
    expect(byName.get('Vancomycin')!.frequency?.text).toBe('q12h');
  });

  it('attaches a dose written before the drug ("40 mg of Lasix") and makes a second entry for a second sig', () => {
    const text = 'She was given 40 mg of Lasix. Insulin 10 units in the morning and 5 units at night.';
    const e = ents(text, [
      ['DOSE', '40 mg'],
      ['DRUG', 'Lasix'],
      ['DRUG', 'Insulin'],
      ['DOSE', '10 units'],
      ['FREQ', 'in the morning'],
      ['DOSE', '5 units'],
      ['FREQ', 'at night'],
    ]);
    const meds = assembleExtraction(text, e).medications;
    expect(meds.map((m) => [m.name.text, m.dose?.value, m.frequency?.text])).toEqual([
      ['Lasix', 40, undefined],
      ['Insulin', 10, 'in the morning'],
      ['Insulin', 5, 'at night'],
    ]);
  });

  it.each([
    ['She is allergic to penicillin.', 'penicillin', 'allergy'],
    ['ALLERGIES:  Sulfa.', 'Sulfa', 'allergy'],
    ['Coumadin was discontinued.', 'Coumadin', 'stopped'],
    ['He stopped taking aspirin last week.', 'aspirin', 'stopped'],
    ['We will start lisinopril 10 mg daily.', 'lisinopril', 'new'],
    ['In the past, she has tried Claritin.', 'Claritin', 'past'],
    ['He is not on any aspirin.', 'aspirin', 'negated'],
    ['She takes metformin daily.', 'metformin', 'current'],
  ])('status of "%s"', (text, drug, status) => {
    const meds = assembleExtraction(text, ents(text, [['DRUG', drug]])).medications;
    expect(meds[0]!.status).toBe(status);
  });

  it('negates symptoms and diagnoses by context', () => {
    const text = 'She reports headache. She denies chest pain or fever. No history of diabetes. Has hypertension.';
    const out = assembleExtraction(
      text,
      ents(text, [
        ['SX', 'headache'],
        ['SX', 'chest pain'],
        ['SX', 'fever'],
        ['DX', 'diabetes'],
        ['DX', 'hypertension'],
      ]),
    );
    expect(out.symptoms.map((s) => [s.text, s.negated])).toEqual([
      ['headache', false],
      ['chest pain', true],
      ['fever', true],
    ]);
    expect(out.diagnoses.map((s) => [s.text, s.negated])).toEqual([
      ['diabetes', true],
      ['hypertension', false],
    ]);
  });

  it('pairs labs with values and units, parses follow-ups, age and sex', () => {
    const text = 'A 65-year-old female. Potassium 3.1 mmol/L (L), creatinine 1.2. Follow up in 2 weeks with Dr. Smith.';
    const out = assembleExtraction(
      text,
      ents(text, [
        ['AGE', '65-year-old'],
        ['SEX', 'female'],
        ['LAB', 'Potassium'],
        ['VAL', '3.1'],
        ['LAB', 'creatinine'],
        ['VAL', '1.2'],
        ['FU', 'Follow up in 2 weeks'],
      ]),
    );
    expect(out.patient.age).toMatchObject({ value: 65, unit: 'years' });
    expect(out.patient.sex).toMatchObject({ value: 'female', span: { text: 'female' } });
    expect(out.labs.map((l) => [l.name.text, l.value.value, l.unit?.text ?? null, l.flag ?? null])).toEqual([
      ['Potassium', 3.1, 'mmol/L', 'low'],
      ['creatinine', 1.2, null, null],
    ]);
    expect(out.followUps[0]).toMatchObject({ interval: { value: 2, unit: 'weeks' }, with: { text: 'Dr. Smith' } });
  });

  it('falls back to the pronouns of the note for sex when no word stating it was tagged', () => {
    const text = 'The patient presents for review. She reports that her husband says he snores. She denies MS.';
    expect(assembleExtraction(text, []).patient.sex).toEqual({
      value: 'female',
      span: { text: 'She', start: 33, end: 36 },
    });
    // Abbreviations in capitals are not pronouns or titles, and a tie decides nothing.
    expect(assembleExtraction('HE: normal. MS: stable. MR done.', []).patient.sex).toEqual({
      value: 'unknown',
      span: null,
    });
    expect(assembleExtraction('She said he left.', []).patient.sex).toEqual({ value: 'unknown', span: null });
    // A tagged word that states it wins over the pronouns.
    const tagged = 'A 40-year-old man. She is his sister; she and her daughter came with him.';
    expect(assembleExtraction(tagged, ents(tagged, [['SEX', 'man']])).patient.sex).toMatchObject({ value: 'male' });
  });

  it('makes one lab result per value of a value list, sharing the name, and stops at other text', () => {
    const text = 'H&H 41.7 and 14.6. WBC 10.9, 17.3, 26.9 mg/dL, then sodium 135. Potassium 4.1 on repeat 3.9.';
    const out = assembleExtraction(
      text,
      ents(text, [
        ['LAB', 'H&H'],
        ['VAL', '41.7'],
        ['VAL', '14.6'],
        ['LAB', 'WBC'],
        ['VAL', '10.9'],
        ['VAL', '17.3'],
        ['VAL', '26.9'],
        ['LAB', 'sodium'],
        ['VAL', '135'],
        ['LAB', 'Potassium'],
        ['VAL', '4.1'],
        ['VAL', '3.9'],
      ]),
    );
    expect(out.labs.map((l) => [l.name.text, l.value.value])).toEqual([
      ['H&H', 41.7],
      ['H&H', 14.6],
      ['WBC', 10.9],
      ['WBC', 17.3],
      ['WBC', 26.9],
      ['sodium', 135],
      ['Potassium', 4.1],
    ]);
  });

  it('records frequency facts as the LLM engine does (one rounding for both: 4 decimals)', () => {
    const text = 'Methotrexate 15 mg every 7 days.';
    const out = assembleExtraction(
      text,
      ents(text, [
        ['DRUG', 'Methotrexate'],
        ['DOSE', '15 mg'],
        ['FREQ', 'every 7 days'],
      ]),
    );
    expect(out.medications[0]!.frequency).toMatchObject({ text: 'every 7 days', timesPerDay: 0.1429 });
  });

  it('reads the unit as written', () => {
    expect(doseUnitAsWritten('80/12.5 mg')).toBe('mg');
    expect(doseUnitAsWritten('20 mEq')).toBe('meq');
    expect(doseUnitAsWritten('0.5mg')).toBe('mg');
    expect(doseUnitAsWritten('two puffs')).toBe('puffs');
    expect(doseUnitAsWritten('1/2 tab')).toBe('tab');
  });
});
