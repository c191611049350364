import { describe, expect, it } from '@jest/globals';
import { frequencyContinues } from './frequency.check.js';

/** Where a frequency span stops short: a frequency word beside it, past at most a connective, on its line. */
const cases: [note: string, frequency: string, continues: boolean][] = [
  ['Xopenex q.i.d. and p.r.n.', 'q.i.d.', true],
  ['Xopenex q.i.d. and p.r.n.', 'p.r.n.', true],
  ['Skelaxin 800 mg b.i.d. to t.i.d. p.r.n.', 't.i.d. p.r.n.', true],
  ['vitamin D 50,000 units q. weekly.', 'weekly.', true],
  ['Pulmicort nebulized twice every 8 hours', 'every 8 hours', true],
  ['morphine 360 mg per day', 'day', true],
  ['Bactrim 1 tablet b.i.d. on Mondays, Wednesdays and Fridays', 'on Mondays, Wednesdays', true],
  ['prednisone for 5 days every 4 weeks', 'every 4 weeks', true],
  ['Protonix 40 mg daily per GI.', 'daily', false],
  ['Lasix 40 mg daily, aspirin 81 mg daily', 'daily', false],
  ['Tylenol 650 mg q.6h. p.r.n. pain', 'q.6h. p.r.n.', false],
  ['Zoloft 50 mg daily\nTwice weekly labs', 'daily', false],
];

describe('frequencyContinues', () => {
  it.each(cases)('%j, frequency %j: %s', (note, frequency, continues) => {
    const start = note.lastIndexOf(frequency);
    expect(frequencyContinues(note, { text: frequency, start, end: start + frequency.length })).toBe(continues);
  });
});
