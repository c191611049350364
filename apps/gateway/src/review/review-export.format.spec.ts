import { describe, expect, it } from '@jest/globals';
import { emptyExtraction, type ClinicalExtraction } from '#schemas';
import { toGoldLine } from './review-export.format.js';

const note = 'Lasix 40 mg p.o. daily. Aspirin as needed.';
const at = (text: string) => {
  const start = note.indexOf(text);
  return { text, start, end: start + text.length };
};

describe('toGoldLine', () => {
  it('writes medications in the gold guideline format, keyed by the extraction noteId', () => {
    const extraction: ClinicalExtraction = {
      ...emptyExtraction('note-7', { name: 'llm', model: 'm', version: '1' }),
      medications: [
        {
          name: { text: 'Lasix', span: at('Lasix') },
          dose: { text: '40 mg', span: at('40 mg'), value: 40, unit: 'MG' },
          frequency: { text: 'daily', span: at('daily'), code: 'QD', timesPerDay: 1, asNeeded: false },
          route: { text: 'p.o.', span: at('p.o.'), code: 'PO' },
          status: 'current',
          confidence: 0.9,
        },
        {
          name: { text: 'aspirin', span: null },
          dose: null,
          frequency: { text: 'as needed', span: at('as needed'), code: 'PRN', timesPerDay: null, asNeeded: true },
          route: null,
          status: 'unknown',
          confidence: 0.7,
        },
        {
          name: { text: 'warfarin', span: null },
          dose: null,
          frequency: null,
          route: null,
          status: 'stopped',
          confidence: 0.5,
        },
      ],
    };
    expect(toGoldLine(note, extraction)).toEqual({
      id: 'note-7',
      medications: [
        {
          name: at('Lasix'),
          dose: at('40 mg'),
          dose_value: 40,
          dose_unit: 'mg',
          frequency: at('daily'),
          route: at('p.o.'),
          status: 'current',
        },
        {
          name: at('Aspirin'),
          dose: null,
          dose_value: null,
          dose_unit: null,
          frequency: at('as needed'),
          route: null,
          status: 'current',
          comment: 'span located by text search; status unknown in the extraction; written as current',
        },
        {
          name: { text: 'warfarin', start: null, end: null },
          dose: null,
          dose_value: null,
          dose_unit: null,
          frequency: null,
          route: null,
          status: 'stopped',
          comment: 'position unknown: the text is not in the note',
        },
      ],
    });
  });
});
