import { describe, expect, it } from '@jest/globals';
import { emptyExtraction, type ClinicalExtraction, type Medication } from '#schemas';
import { validateExtraction } from './extraction-validator.js';

const NOTE = 'Patient is a 70-year-old man. MEDICATIONS: Lisinopril 10 mg p.o. daily, Lutein 20 mg daily.';

function span(text: string) {
  const start = NOTE.indexOf(text);
  return { text, start, end: start + text.length };
}

const lisinopril: Medication = {
  name: { text: 'Lisinopril', span: span('Lisinopril') },
  dose: { text: '10 mg', span: span('10 mg'), value: 10, unit: 'mg' },
  frequency: { text: 'daily', span: span('daily'), code: 'QD', timesPerDay: 1, asNeeded: false },
  route: { text: 'p.o.', span: span('p.o.'), code: 'PO' },
  status: 'current',
  confidence: 0.95,
};

function extraction(...medications: Medication[]): ClinicalExtraction {
  return { ...emptyExtraction('note-1', { name: 'llm', model: 'test', version: '1' }), medications };
}

describe('validateExtraction', () => {
  it('rejects a schema-invalid candidate with SCHEMA_INVALID flags and no extraction', () => {
    const outcome = validateExtraction(NOTE, { schemaVersion: 1 });
    expect(outcome.status).toBe('rejected');
    expect(outcome.extraction).toBeNull();
    expect(outcome.flags.length).toBeGreaterThan(0);
    expect(outcome.flags.every((f) => f.code === 'SCHEMA_INVALID' && f.severity === 'error')).toBe(true);
  });

  it('accepts a clean extraction with no flags, and an empty one', () => {
    expect(validateExtraction(NOTE, extraction(lisinopril))).toMatchObject({ status: 'accepted', flags: [] });
    expect(validateExtraction(NOTE, extraction())).toMatchObject({ status: 'accepted', flags: [] });
  });

  it('accepts an extraction whose only flags are info', () => {
    const lutein: Medication = {
      ...lisinopril,
      name: { text: 'Lutein', span: span('Lutein') },
      dose: { text: '20 mg', span: span('20 mg'), value: 20, unit: 'mg' },
      frequency: {
        text: 'daily',
        span: { text: 'daily', start: NOTE.lastIndexOf('daily'), end: NOTE.lastIndexOf('daily') + 5 },
        code: 'QD',
        timesPerDay: 1,
        asNeeded: false,
      },
      route: null,
    };
    const outcome = validateExtraction(NOTE, extraction(lisinopril, lutein));
    expect(outcome.status).toBe('accepted');
    expect(outcome.flags).toEqual([
      { code: 'DRUG_UNKNOWN', severity: 'info', message: expect.any(String), path: '/medications/1/name' },
    ]);
  });

  it('sends an extraction with a warning or error to review, flags shaped exactly {code, severity, message, path}', () => {
    const outcome = validateExtraction(NOTE, extraction({ ...lisinopril, dose: { ...lisinopril.dose!, value: 100 } }));
    expect(outcome.status).toBe('needs_review');
    expect(outcome.extraction).not.toBeNull();
    for (const f of outcome.flags) expect(Object.keys(f).sort()).toEqual(['code', 'message', 'path', 'severity']);
    expect(outcome.flags.map((f) => f.code)).toContain('DOSE_VALUE_NOT_IN_TEXT');
  });

  it('accepts a value and unit restated in the dose text, and flags a value paired with the wrong unit', () => {
    const note = 'Tylenol 2 tablets (1000 mg) every 6 hours.';
    const doseSpan = { text: '2 tablets (1000 mg)', start: 8, end: 27 };
    const tylenol = (value: number, unit: string): Medication => ({
      ...lisinopril,
      name: { text: 'Tylenol', span: { text: 'Tylenol', start: 0, end: 7 } },
      dose: { text: doseSpan.text, span: doseSpan, value, unit },
      frequency: null,
      route: null,
    });
    expect(validateExtraction(note, extraction(tylenol(1000, 'mg'))).flags).toEqual([]);
    expect(validateExtraction(note, extraction(tylenol(2, 'tablets'))).flags).toEqual([]);
    expect(validateExtraction(note, extraction(tylenol(2, 'mg'))).flags.map((f) => f.code)).toContain(
      'DOSE_UNIT_MISMATCH',
    );
  });

  it('does not carry note text or values into messages', () => {
    const outcome = validateExtraction(
      NOTE,
      extraction({ ...lisinopril, name: { text: 'Warfarin', span: null }, dose: { ...lisinopril.dose!, value: 137 } }),
    );
    expect(outcome.flags.length).toBeGreaterThanOrEqual(3);
    for (const f of outcome.flags) {
      for (const secret of ['Warfarin', 'Lisinopril', '10 mg', '137']) expect(f.message).not.toContain(secret);
    }
  });
});
