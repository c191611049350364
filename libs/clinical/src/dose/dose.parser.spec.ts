import { describe, expect, it } from '@jest/globals';
import { parseDose } from './dose.parser.js';

describe('parseDose', () => {
  it.each([
    ['500 mg', 'single', 500, null, 'mg'],
    ['0.5mg', 'single', 0.5, null, 'mg'],
    ['.5 mg', 'single', 0.5, null, 'mg'],
    ['1,000 mg', 'single', 1000, null, 'mg'],
    ['2 tabs', 'single', 2, null, '{tablet}'],
    ['1-2 puffs', 'range', 1, 2, '{puff}'],
    ['1 to 2 tablets', 'range', 1, 2, '{tablet}'],
    ['one to two tablets', 'range', 1, 2, '{tablet}'],
    ['1/2 tab', 'single', 0.5, null, '{tablet}'],
    ['one-half tablet', 'single', 0.5, null, '{tablet}'],
    ['½ tablet', 'single', 0.5, null, '{tablet}'],
    ['1 1/2 tablets', 'single', 1.5, null, '{tablet}'],
    ['10 units', 'single', 10, null, '[iU]'],
    ['20 mEq', 'single', 20, null, 'meq'],
    ['15.5mCi', 'single', 15.5, null, 'mCi'],
    ['0.5%', 'single', 0.5, null, '%'],
    ['10 cc', 'single', 10, null, 'mL'],
    ['one drop', 'single', 1, null, '{drop}'],
    ['40', 'single', 40, null, null],
  ] as const)('%s', (text, kind, value, high, unit) => {
    const d = parseDose(text);
    expect({ kind: d.kind, value: d.value, high: d.high, unit: d.unit?.code ?? null }).toEqual({
      kind,
      value,
      high,
      unit,
    });
  });

  it('reads combination strengths as parts without a single value', () => {
    const d = parseDose('80/12.5 mg');
    expect(d).toMatchObject({ kind: 'combination', value: null });
    expect(d.amounts.map((a) => [a.value, a.unit?.code])).toEqual([
      [80, 'mg'],
      [12.5, 'mg'],
    ]);
    expect(parseDose('5/500')).toMatchObject({ kind: 'combination', value: null, unit: null });
    expect(parseDose('5/500').amounts.map((a) => a.value)).toEqual([5, 500]);
  });

  it('takes the low end of a chained range, as the annotation guideline does', () => {
    const d = parseDose('1 to 2 to 3 grams');
    expect(d).toMatchObject({ kind: 'range', value: 1, high: 3 });
    expect(d.amounts.map((a) => [a.value, a.unit?.code])).toEqual([
      [1, 'g'],
      [2, 'g'],
      [3, 'g'],
    ]);
  });

  it('pairs each restated amount with its own unit, the leading one being the dose', () => {
    const d = parseDose('2 tablets (1000 mg)');
    expect(d).toMatchObject({ kind: 'single', value: 2, unit: { code: '{tablet}' } });
    expect(d.amounts.map((a) => [a.value, a.unit?.code])).toEqual([
      [2, '{tablet}'],
      [1000, 'mg'],
    ]);
  });

  it('does not guess a number from words that are not one', () => {
    expect(parseDose('Single Strength')).toMatchObject({ kind: 'none', value: null, amounts: [] });
    expect(parseDose('sliding scale')).toMatchObject({ kind: 'none', value: null });
  });
});
