import { describe, expect, it } from '@jest/globals';
import { frequencyKey, routeKey, scoreMedications, type ScoredMedication } from './medication.scoring.js';

const med = (
  name: string,
  dose: [number | null, string | null] | null,
  frequency: string | null,
  route: string | null,
): ScoredMedication => ({
  name,
  dose: dose ? { text: '', value: dose[0], unit: dose[1] } : null,
  frequency,
  route,
});

describe('scoreMedications', () => {
  it('compares per-note sets after normalising names, units, frequencies and routes', () => {
    const gold = new Map([
      [
        'n1',
        [
          med('Lasix', [40, 'mg'], 'daily', 'p.o.'),
          med('Lasix', [40, 'mg'], 'daily', 'p.o.'),
          med('aspirin', [81, 'mg'], 'q.d.', null),
        ],
      ],
    ]);
    const pred = new Map([
      [
        'n1',
        [
          med('furosemide', [40, 'milligrams'], 'once a day', 'by mouth'),
          med('ASA', [0.081, 'g'], 'daily', 'PO'),
          med('Tylenol', null, null, null),
        ],
      ],
    ]);
    const { scores } = scoreMedications(gold, pred);
    // Names: lasix=furosemide and aspirin=ASA match, Tylenol is a false positive.
    expect(scores.name).toMatchObject({ tp: 2, fp: 1, fn: 0 });
    // 0.081 g is not 81 mg as written: the value is compared in the unit written, so this is a miss and a false hit.
    expect(scores.dose).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    expect(scores.frequency).toMatchObject({ tp: 2, fp: 0, fn: 0 });
    expect(scores.route).toMatchObject({ tp: 1, fp: 1, fn: 0 });
    expect(scores.name.f1).toBeCloseTo(0.8, 5);
  });

  it('counts a note without predictions as all misses', () => {
    const gold = new Map([['n1', [med('Lasix', null, null, null)]]]);
    const r = scoreMedications(gold, new Map());
    expect(r.missingPredictions).toEqual(['n1']);
    expect(r.scores.name).toMatchObject({ tp: 0, fn: 1, f1: 0 });
  });

  it('treats frequency synonyms and route spellings as equal', () => {
    expect(frequencyKey('b.i.d.')).toBe(frequencyKey('every 12 hours'));
    expect(frequencyKey('q.h.s.')).toBe(frequencyKey('at bedtime'));
    expect(routeKey('p.o.')).toBe(routeKey('orally'));
  });
});
