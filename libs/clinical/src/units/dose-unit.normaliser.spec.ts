import { describe, expect, it } from '@jest/globals';
import {
  amountsEqual,
  convertAmount,
  normaliseUnit,
  readLeadingUnit,
  unitsComparable,
} from './dose-unit.normaliser.js';

describe('normaliseUnit', () => {
  it.each([
    ['mg', 'mg'],
    ['MG', 'mg'],
    ['milligrams', 'mg'],
    ['mcg', 'ug'],
    ['µg', 'ug'],
    ['μg', 'ug'],
    ['micrograms', 'ug'],
    ['g', 'g'],
    ['grams', 'g'],
    ['gm', 'g'],
    ['mL', 'mL'],
    ['cc', 'mL'],
    ['ml', 'mL'],
    ['IU', '[iU]'],
    ['I.U.', '[iU]'],
    ['units', '[iU]'],
    ['u', '[iU]'],
    ['international units', '[iU]'],
    ['mEq', 'meq'],
    ['mmol', 'mmol'],
    ['mg/kg', 'mg/kg'],
    ['mcg/kg', 'ug/kg'],
    ['%', '%'],
    ['tabs', '{tablet}'],
    ['tablet', '{tablet}'],
    ['capsules', '{capsule}'],
    ['puffs', '{puff}'],
    ['gtts', '{drop}'],
    ['drops', '{drop}'],
    ['patch', '{patch}'],
    ['sprays', '{spray}'],
    ['mCi', 'mCi'],
    ['tsp', '[tsp_us]'],
    ['mcg/hr', 'ug/h'],
    ['units/hr', '[iU]/h'],
    ['mg/day', 'mg/d'],
    ['mg.', 'mg'],
  ])('%s -> %s', (text, code) => {
    expect(normaliseUnit(text)?.code).toBe(code);
  });

  it('returns null for words that are not units', () => {
    expect(normaliseUnit('strength')).toBeNull();
    expect(normaliseUnit('')).toBeNull();
    expect(normaliseUnit('p.o.')).toBeNull();
  });
});

describe('readLeadingUnit', () => {
  it('reads the unit at the start of the rest of a dose text, multi-word first', () => {
    expect(readLeadingUnit(' international units daily')?.code).toBe('[iU]');
    expect(readLeadingUnit('mg tablet by mouth')?.code).toBe('mg');
    expect(readLeadingUnit(' million units')?.code).toBe('10*6.[iU]');
    expect(readLeadingUnit('')).toBeNull();
  });
});

describe('unit arithmetic', () => {
  const mg = normaliseUnit('mg')!;
  const ug = normaliseUnit('mcg')!;
  const tab = normaliseUnit('tab')!;
  const cap = normaliseUnit('capsule')!;

  it('converts within a dimension and refuses across dimensions', () => {
    expect(amountsEqual(convertAmount(0.1, mg, ug)!, 100)).toBe(true);
    expect(convertAmount(1, mg, tab)).toBeNull();
  });

  it('compares counts only with the same countable form', () => {
    expect(unitsComparable(tab, normaliseUnit('tablets')!)).toBe(true);
    expect(unitsComparable(tab, cap)).toBe(false);
  });

  it('treats floating-point noise as equal, real differences as different', () => {
    expect(amountsEqual(0.1 * 3, 0.3)).toBe(true);
    expect(amountsEqual(10, 100)).toBe(false);
  });
});
