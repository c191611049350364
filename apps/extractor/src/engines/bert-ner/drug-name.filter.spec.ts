import { describe, expect, it } from '@jest/globals';
import type { Medication } from '#schemas';
import { keepVouchedDrugNames } from './drug-name.filter.js';

const med = (name: string, dose = false): Medication =>
  ({
    name: { text: name, span: null },
    dose: dose ? { text: '10 mg', span: null, value: 10, unit: 'mg' } : null,
    frequency: null,
    route: null,
    status: 'current',
  }) as unknown as Medication;

describe('keepVouchedDrugNames', () => {
  it('keeps names with a sig, names in the drug table and names in the lexicon; drops the rest', () => {
    const lexicon = new Set(['betadine', 'physiosol irrigation']);
    const out = keepVouchedDrugNames(
      [med('pericapsular'), med('Zorbazine', true), med('Lasix'), med('Betadine'), med('Physiosol  irrigation')],
      lexicon,
    );
    expect(out.map((m) => m.name.text)).toEqual(['Zorbazine', 'Lasix', 'Betadine', 'Physiosol  irrigation']);
  });

  it('keeps everything when the model dir has no lexicon (a model from elsewhere)', () => {
    expect(keepVouchedDrugNames([med('pericapsular')], new Set())).toHaveLength(1);
  });
});
