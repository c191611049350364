import { describe, expect, it } from '@jest/globals';
import { emptyExtraction, type ClinicalExtraction } from '#schemas';
import { refusesCorrection, validateExtraction } from '#validation';
import { applyCorrection } from './correction.patch.js';
import { checkCorrectionConsistency } from './correction-consistency.check.js';

const note = 'Started metformin 500 mg PO twice daily. Denies chest pain. HbA1c 8.2 % today.';
const at = (text: string) => {
  const start = note.indexOf(text);
  if (start < 0) throw new Error(`fixture text not in note: ${text}`);
  return { text, start, end: start + text.length };
};

function extraction(): ClinicalExtraction {
  return {
    ...emptyExtraction('note-1', { name: 'bert-ner', model: 'm', version: '1' }),
    medications: [
      {
        name: { text: 'metformin', span: at('metformin') },
        dose: { text: '500 mg', span: at('500 mg'), value: 5000, unit: 'mg' },
        frequency: { text: 'twice daily', span: at('twice daily'), code: 'BID', timesPerDay: 2, asNeeded: false },
        route: { text: 'PO', span: at('PO'), code: 'PO' },
        status: 'new',
        confidence: 0.6,
      },
    ],
    symptoms: [{ text: 'chest pain', span: at('chest pain'), negated: true }],
    labs: [
      {
        name: { text: 'HbA1c', span: at('HbA1c') },
        value: { text: '8.2', span: at('8.2'), value: 8.2 },
        unit: { text: '%', span: at('%') },
      },
    ],
  };
}

const consistency = (changes: Parameters<typeof applyCorrection>[1]) => {
  const patched = applyCorrection(extraction(), changes);
  expect(patched.errors).toEqual([]);
  return checkCorrectionConsistency(note, patched.document as unknown as ClinicalExtraction, patched.touched);
};

describe('applyCorrection', () => {
  it('replaces, adds and removes by JSON pointer on a copy', () => {
    const original = extraction();
    const result = applyCorrection(original, [
      { op: 'replace', path: '/medications/0/dose/value', value: 500 },
      { op: 'add', path: '/diagnoses/-', value: { text: 'diabetes', span: null, negated: false } },
      { op: 'remove', path: '/symptoms/0' },
    ]);
    expect(result.errors).toEqual([]);
    const doc = result.document as unknown as ClinicalExtraction;
    expect(doc.medications[0]!.dose!.value).toBe(500);
    expect(doc.diagnoses).toEqual([{ text: 'diabetes', span: null, negated: false }]);
    expect(doc.symptoms).toEqual([]);
    expect(original.medications[0]!.dose!.value).toBe(5000);
    expect(result.touched.get(doc.medications[0]!)).toEqual(new Set(['dose']));
    expect(result.touched.get(doc.diagnoses[0]!)).toEqual(new Set(['*']));
  });

  it('refuses changes to the record fields, unsafe keys and missing targets, naming each change', () => {
    const result = applyCorrection(extraction(), [
      { op: 'replace', path: '/engine/version', value: '2' },
      { op: 'replace', path: '/noteId', value: 'x' },
      { op: 'add', path: '/medications/0/__proto__', value: { polluted: true } },
      { op: 'replace', path: '/medications/3/status', value: 'new' },
      { op: 'remove', path: '/medications/0/dose/nothing' },
      { op: 'add', path: 'medications', value: [] },
    ]);
    expect(result.errors.map((e) => e.path)).toEqual([
      '/changes/0',
      '/changes/1',
      '/changes/2',
      '/changes/3',
      '/changes/4',
      '/changes/5',
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('does not check an entry that a later change removed', () => {
    const result = applyCorrection(extraction(), [
      { op: 'replace', path: '/medications/0/dose/value', value: 123 },
      { op: 'remove', path: '/medications/0' },
    ]);
    expect(result.errors).toEqual([]);
    expect(checkCorrectionConsistency(note, result.document as unknown as ClinicalExtraction, result.touched)).toEqual(
      [],
    );
  });
});

describe('checkCorrectionConsistency', () => {
  it('accepts a dose corrected to the amount its text gives, also in a converted unit', () => {
    expect(consistency([{ op: 'replace', path: '/medications/0/dose/value', value: 500 }])).toEqual([]);
    expect(
      consistency([
        { op: 'replace', path: '/medications/0/dose/value', value: 0.5 },
        { op: 'replace', path: '/medications/0/dose/unit', value: 'g' },
      ]),
    ).toEqual([]);
  });

  it('refuses values the note contradicts: dose, unit, frequency, route, span and lab value', () => {
    expect(consistency([{ op: 'replace', path: '/medications/0/dose/value', value: 50 }])).toEqual([
      { path: '/medications/0/dose/value', message: expect.any(String) },
    ]);
    expect(consistency([{ op: 'replace', path: '/medications/0/dose/unit', value: 'mcg' }])).toEqual([
      // 5000 mg was already wrong; with mcg it is still not what "500 mg" says.
      { path: '/medications/0/dose/value', message: expect.any(String) },
    ]);
    expect(consistency([{ op: 'replace', path: '/medications/0/frequency/code', value: 'TID' }])).toEqual([
      { path: '/medications/0/frequency/code', message: expect.any(String) },
    ]);
    expect(consistency([{ op: 'replace', path: '/medications/0/route/code', value: 'IV' }])).toEqual([
      { path: '/medications/0/route/code', message: expect.any(String) },
    ]);
    expect(
      consistency([{ op: 'replace', path: '/medications/0/name', value: { text: 'insulin', span: at('metformin') } }]),
    ).toEqual([{ path: '/medications/0/name/text', message: expect.any(String) }]);
    expect(
      consistency([
        {
          op: 'replace',
          path: '/medications/0/name',
          value: { text: 'metformin', span: { ...at('metformin'), start: 0 } },
        },
      ]),
    ).toEqual([{ path: '/medications/0/name/span', message: expect.any(String) }]);
    expect(consistency([{ op: 'replace', path: '/labs/0/value/value', value: 9.1 }])).toEqual([
      { path: '/labs/0/value/value', message: expect.any(String) },
    ]);
  });

  it('leaves values the reviewer did not change to the validator', () => {
    // The engine's 5000 mg contradicts the note, but only the status was corrected.
    expect(consistency([{ op: 'replace', path: '/medications/0/status', value: 'current' }])).toEqual([]);
    expect(consistency([{ op: 'replace', path: '/symptoms/0/negated', value: false }])).toEqual([]);
    // Replacing the whole medication vouches for all of it, dose included.
    const whole = { ...extraction().medications[0]!, status: 'current' };
    expect(consistency([{ op: 'replace', path: '/medications/0', value: whole }])).toEqual([
      { path: '/medications/0/dose/value', message: expect.any(String) },
    ]);
  });

  it('accepts a mention without a span whose text is in the note (the reviewer vouches for its place)', () => {
    expect(
      consistency([{ op: 'add', path: '/diagnoses/-', value: { text: 'chest pain', span: null, negated: false } }]),
    ).toEqual([]);
  });
});

// Issue 19: the review check used to copy part of the validator's checks. These cases passed review before it
// became a filter of the validator's own flags.
describe("checkCorrectionConsistency uses the validator's checks", () => {
  it('refuses a changed mention without a span whose text is nowhere in the note', () => {
    expect(
      consistency([
        { op: 'add', path: '/diagnoses/-', value: { text: 'type 2 diabetes', span: null, negated: false } },
      ]),
    ).toEqual([{ path: '/diagnoses/0', message: expect.any(String) }]);
    expect(
      consistency([{ op: 'replace', path: '/medications/0/name', value: { text: 'warfarin', span: null } }]),
    ).toEqual([{ path: '/medications/0/name', message: expect.any(String) }]);
  });

  it('refuses an as-needed flag the frequency text does not give', () => {
    expect(consistency([{ op: 'replace', path: '/medications/0/frequency/asNeeded', value: true }])).toEqual([
      { path: '/medications/0/frequency/asNeeded', message: expect.any(String) },
    ]);
  });

  it('refuses a dose unit the drug is never dosed in, where the dose text gives no unit', () => {
    const bare = 'Metformin 500 PO twice daily.';
    const span = (text: string) => ({ text, start: bare.indexOf(text), end: bare.indexOf(text) + text.length });
    const original: ClinicalExtraction = {
      ...emptyExtraction('note-2', { name: 'bert-ner', model: 'm', version: '1' }),
      medications: [
        {
          name: { text: 'Metformin', span: span('Metformin') },
          dose: { text: '500', span: span('500'), value: 500, unit: null },
          frequency: { text: 'twice daily', span: span('twice daily'), code: 'BID', timesPerDay: 2, asNeeded: false },
          route: { text: 'PO', span: span('PO'), code: 'PO' },
          status: 'current',
          confidence: 0.9,
        },
      ],
    };
    const patched = applyCorrection(original, [{ op: 'replace', path: '/medications/0/dose/unit', value: 'units' }]);
    expect(patched.errors).toEqual([]);
    expect(
      checkCorrectionConsistency(bare, patched.document as unknown as ClinicalExtraction, patched.touched),
    ).toEqual([{ path: '/medications/0/dose/unit', message: expect.any(String) }]);
  });

  it("reports exactly the validator's contradiction flags under the touched pointers", () => {
    const whole = {
      ...extraction().medications[0]!,
      status: 'current',
      frequency: { ...extraction().medications[0]!.frequency!, code: 'TID' },
    };
    const patched = applyCorrection(extraction(), [{ op: 'replace', path: '/medications/0', value: whole }]);
    const corrected = patched.document as unknown as ClinicalExtraction;
    const expected = validateExtraction(note, corrected)
      .flags.filter((f) => refusesCorrection(f) && f.path.startsWith('/medications/0/'))
      .map(({ path, message }) => ({ path, message }));
    expect(expected.map((p) => p.path).sort()).toEqual(['/medications/0/dose/value', '/medications/0/frequency/code']);
    expect(checkCorrectionConsistency(note, corrected, patched.touched)).toEqual(expected);
  });
});
