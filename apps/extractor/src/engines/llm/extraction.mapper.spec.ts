import { describe, expect, it } from '@jest/globals';
import type { ClinicalExtraction, Span } from '#schemas';
import { toClinicalExtraction } from './extraction.mapper.js';
import type { LlmMedication, LlmOutput } from './llm-output.schema.js';

const ENGINE = { name: 'llm', model: 'test-model', version: 'test' } as const;

function answer(parts: Partial<LlmOutput>): LlmOutput {
  return {
    patient: { age: null, sex: 'unknown', sexText: null },
    medications: [],
    diagnoses: [],
    symptoms: [],
    labs: [],
    followUps: [],
    ...parts,
  };
}

function medication(parts: Partial<LlmMedication> & { name: string }): LlmMedication {
  return {
    dose: null,
    doseValue: null,
    doseUnit: null,
    frequency: null,
    route: null,
    status: 'current',
    ...parts,
  };
}

const map = (noteText: string, output: LlmOutput): ClinicalExtraction =>
  toClinicalExtraction(output, { noteId: 'n1', noteText, engine: ENGINE });

/** The note text at a span, so a test reads as "this value was placed in that sentence". */
function around(note: string, span: Span | null | undefined, width = 25): string | null {
  return span ? note.slice(Math.max(0, span.start - width), span.end + width) : null;
}

describe('LLM answer mapping: numbers', () => {
  it('never fills a dose value the model left null for a combination strength; the text stays', () => {
    const note = 'MEDICATIONS: Diovan HCT 80 mg/12.5 mg daily. Metformin/sitagliptin 4/1000 mg twice daily.';
    const extraction = map(
      note,
      answer({
        medications: [
          medication({ name: 'Diovan HCT', dose: '80 mg/12.5 mg', doseUnit: 'mg', frequency: 'daily' }),
          medication({ name: 'Metformin/sitagliptin', dose: '4/1000 mg', doseUnit: 'mg', frequency: 'twice daily' }),
        ],
      }),
    );
    expect(extraction.medications.map((m) => m.dose)).toEqual([
      { text: '80 mg/12.5 mg', span: expect.objectContaining({ text: '80 mg/12.5 mg' }), value: null, unit: 'mg' },
      { text: '4/1000 mg', span: expect.objectContaining({ text: '4/1000 mg' }), value: null, unit: 'mg' },
    ]);
  });

  it('never picks one number out of a range or a restated dose the model left null', () => {
    const note = 'Tylenol 1-2 tablets every 6 hours as needed. Keppra 2 tablets (1000 mg) twice daily.';
    const extraction = map(
      note,
      answer({
        medications: [
          medication({ name: 'Tylenol', dose: '1-2 tablets', frequency: 'every 6 hours as needed' }),
          medication({ name: 'Keppra', dose: '2 tablets (1000 mg)', frequency: 'twice daily' }),
        ],
      }),
    );
    expect(extraction.medications.map((m) => [m.dose?.value, m.dose?.unit])).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  it('reads a single amount the model left null together with its unit, as written', () => {
    const note = 'Lasix 40 mg p.o. daily. Vitamin D 1,000 units daily. Albuterol 2 puffs q.4h. p.r.n.';
    const extraction = map(
      note,
      answer({
        medications: [
          medication({ name: 'Lasix', dose: '40 mg', frequency: 'daily', route: 'p.o.' }),
          medication({ name: 'Vitamin D', dose: '1,000 units', frequency: 'daily' }),
          // The model gave the number but not the unit: the unit comes from the same reading of the text.
          medication({ name: 'Albuterol', dose: '2 puffs', doseValue: 2, frequency: 'q.4h. p.r.n.' }),
        ],
      }),
    );
    expect(extraction.medications.map((m) => [m.dose?.value, m.dose?.unit])).toEqual([
      [40, 'mg'],
      [1000, 'units'],
      [2, 'puffs'],
    ]);
  });

  it("keeps the model's own numbers and units, and never pairs a unit with a value it was not read with", () => {
    const note = 'Coumadin 5 mg daily.';
    const [m] = map(
      note,
      answer({ medications: [medication({ name: 'Coumadin', dose: '5 mg', doseValue: 7.5, frequency: 'daily' })] }),
    ).medications;
    // 7.5 is not what the text says (the validator flags DOSE_VALUE_NOT_IN_TEXT); the text's "mg" belongs to 5.
    expect(m!.dose).toMatchObject({ value: 7.5, unit: null });
  });

  it('reads a result number with thousands separators whole, and only when the result states one number', () => {
    const note =
      'Platelets 132,000. WBC 12,500/mm3. BP 120/80 is not a lab but the model listed it. Troponin negative.';
    const extraction = map(
      note,
      answer({
        labs: [
          { name: 'Platelets', value: '132,000', numericValue: null, unit: null, flag: null },
          { name: 'WBC', value: '12,500/mm3', numericValue: null, unit: null, flag: null },
          { name: 'BP', value: '120/80', numericValue: null, unit: null, flag: null },
          { name: 'Troponin', value: 'negative', numericValue: null, unit: null, flag: null },
        ],
      }),
    );
    expect(extraction.labs.map((l) => l.value.value)).toEqual([132000, 12500, null, null]);
  });
});

describe('LLM answer mapping: which occurrence', () => {
  it('places a drug in the sentence its evidence quotes, not at an earlier mention in a sentence about trials', () => {
    const note =
      'Large randomized trials have shown that tamoxifen reduces the risk of recurrence. ' +
      'We discussed using tamoxifen 20 mg daily for five years, and she agreed.';
    const [tamoxifen] = map(
      note,
      answer({
        medications: [
          medication({
            evidence: 'We discussed using tamoxifen 20 mg daily',
            name: 'tamoxifen',
            dose: '20 mg',
            doseValue: 20,
            doseUnit: 'mg',
            frequency: 'daily',
            status: 'new',
          }),
        ],
      }),
    ).medications;
    expect(tamoxifen!.name.span!.start).toBe(note.lastIndexOf('tamoxifen'));
    expect(tamoxifen!.confidence).toBe(0.9);
  });

  it('places an answer listed out of note order by its evidence, never falling back to a family-history line', () => {
    const note =
      'FAMILY HISTORY: Mother with diabetes and breast cancer; she takes metformin. ' +
      'PAST MEDICAL HISTORY: Hypertension. ' +
      'ASSESSMENT: diabetes, new diagnosis; hemoglobin A1c 9.1%. Plan: start metformin 500 mg daily.';
    const extraction = map(
      note,
      answer({
        diagnoses: [
          { evidence: 'ASSESSMENT: diabetes, new diagnosis', text: 'diabetes', negated: false },
          { evidence: 'Hypertension.', text: 'Hypertension', negated: false },
          { evidence: 'Mother with diabetes and breast cancer', text: 'diabetes', negated: false },
        ],
        medications: [
          medication({
            evidence: 'start metformin 500 mg daily',
            name: 'metformin',
            dose: '500 mg',
            doseValue: 500,
            doseUnit: 'mg',
            frequency: 'daily',
            status: 'new',
          }),
        ],
      }),
    );
    const [assessment, history, family] = extraction.diagnoses;
    expect(around(note, assessment!.span, 12)).toContain('ASSESSMENT: diabetes');
    expect(history!.span!.start).toBe(note.indexOf('Hypertension'));
    expect(family!.span!.start).toBe(note.indexOf('diabetes and breast'));
    expect(extraction.medications[0]!.name.span!.start).toBe(note.indexOf('metformin 500'));
    expect(extraction.medications[0]!.dose!.span!.start).toBe(note.indexOf('500 mg'));
  });

  it('gives repeated mentions with the same text their own places, in the order of their quotes', () => {
    const note =
      'HPI: Lasix 40 mg daily was held on admission. MEDICATIONS: Lasix 40 mg daily. PLAN: resume Lasix 40 mg daily.';
    const lasix = (evidence: string, status: LlmMedication['status']) =>
      medication({ evidence, name: 'Lasix', dose: '40 mg', doseValue: 40, doseUnit: 'mg', frequency: 'daily', status });
    const meds = map(
      note,
      answer({
        medications: [
          lasix('resume Lasix 40 mg daily', 'current'),
          lasix('Lasix 40 mg daily was held', 'stopped'),
          // The quote occurs in all three places; the one not yet given to another entry is taken.
          lasix('Lasix 40 mg daily', 'current'),
        ],
      }),
    ).medications;
    const starts = meds.map((m) => m.name.span!.start);
    expect(starts).toEqual([note.lastIndexOf('Lasix'), note.indexOf('Lasix'), note.indexOf('MEDICATIONS: Lasix') + 13]);
    for (const m of meds) {
      expect(m.dose!.span!.start).toBeGreaterThan(m.name.span!.start);
      expect(m.dose!.span!.start - m.name.span!.start).toBe(6);
      expect(m.frequency!.span!.start - m.name.span!.start).toBe(12);
    }
  });

  it('gives identical lab values their own spans, each in the place its evidence quotes', () => {
    const note =
      'Fingerstick glucose 250 at 6 a.m. and 250 again at noon. Sodium 140, chloride 104, sodium 140 on repeat.';
    const labs = map(
      note,
      answer({
        labs: [
          {
            evidence: 'glucose 250 at 6 a.m.',
            name: 'glucose',
            value: '250',
            numericValue: 250,
            unit: null,
            flag: null,
          },
          { evidence: '250 again at noon', name: 'glucose', value: '250', numericValue: 250, unit: null, flag: null },
          { evidence: 'Sodium 140, chloride', name: 'Sodium', value: '140', numericValue: 140, unit: null, flag: null },
          { evidence: 'sodium 140 on repeat', name: 'sodium', value: '140', numericValue: 140, unit: null, flag: null },
        ],
      }),
    ).labs;
    const valueStarts = labs.map((l) => l.value.span!.start);
    expect(new Set(valueStarts).size).toBe(4);
    expect(valueStarts).toEqual([
      note.indexOf('250'),
      note.indexOf('250 again'),
      note.indexOf('140'),
      note.lastIndexOf('140'),
    ]);
    // One test name written once, with two results: both results share the one name mention.
    expect(labs[1]!.name.span).toEqual(labs[0]!.name.span);
  });

  it('without evidence, still gives identical values of different entries different places', () => {
    const note = 'Glucose 250 at 6 a.m. and 250 at noon.';
    const glucose = { name: 'Glucose', value: '250', numericValue: 250, unit: null, flag: null };
    const labs = map(note, answer({ labs: [glucose, glucose] })).labs;
    expect(labs.map((l) => l.value.span!.start)).toEqual([note.indexOf('250'), note.lastIndexOf('250')]);
  });

  it('leaves a repeated value whose evidence is not in the note without a span (a flag, not a guess)', () => {
    const note = 'Denies chest pain at rest. Reports chest pain on exertion.';
    const extraction = map(
      note,
      answer({
        symptoms: [
          // A paraphrase, not a quote: nothing in the note says which "chest pain" is meant.
          { evidence: 'chest pain when climbing stairs', text: 'chest pain', negated: false },
          // No evidence at all (an answer in the old format).
          { text: 'chest pain', negated: true },
        ],
      }),
    );
    expect(extraction.symptoms.map((s) => s.span)).toEqual([null, null]);
    expect(extraction.symptoms.map((s) => s.text)).toEqual(['chest pain', 'chest pain']);
  });

  it('places a value that occurs once even when its evidence is not found: there is nothing to choose', () => {
    const note = 'Reports chest pain on exertion. Lisinopril 10 mg daily.';
    const extraction = map(
      note,
      answer({
        symptoms: [{ evidence: 'exertional chest pain', text: 'chest pain', negated: false }],
        medications: [
          medication({
            evidence: 'lisinopril daily',
            name: 'Lisinopril',
            dose: '10 mg',
            doseValue: 10,
            doseUnit: 'mg',
          }),
        ],
      }),
    );
    expect(extraction.symptoms[0]!.span!.start).toBe(note.indexOf('chest pain'));
    expect(extraction.medications[0]!.name.span!.start).toBe(note.indexOf('Lisinopril'));
    expect(extraction.medications[0]!.dose!.span!.start).toBe(note.indexOf('10 mg'));
  });

  it('finds a quote whose punctuation and spacing the model tidied', () => {
    const note = 'MEDICATIONS:,  1.  Lasix 20 mg p.o. daily.,ASSESSMENT:,  Lasix was increased.';
    const [m] = map(
      note,
      answer({
        medications: [
          medication({
            evidence: 'MEDICATIONS: 1. Lasix 20 mg p.o. daily',
            name: 'Lasix',
            dose: '20 mg',
            doseValue: 20,
          }),
        ],
      }),
    ).medications;
    expect(m!.name.span!.start).toBe(note.indexOf('Lasix'));
  });

  it('places a follow-up\'s "with" inside the follow-up phrase', () => {
    const note = 'Cardiology consulted today. Follow up with cardiology in 2 weeks.';
    const [f] = map(
      note,
      answer({
        followUps: [
          {
            evidence: 'Follow up with cardiology in 2 weeks',
            text: 'Follow up with cardiology in 2 weeks',
            intervalValue: 2,
            intervalUnit: 'weeks',
            with: 'cardiology',
          },
        ],
      }),
    ).followUps;
    expect(f!.with!.span!.start).toBe(note.lastIndexOf('cardiology'));
  });
});
