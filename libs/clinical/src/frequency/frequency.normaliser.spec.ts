import { describe, expect, it } from '@jest/globals';
import { FREQUENCY_TIMES_PER_DAY, normaliseFrequency, timesPerDayAgrees } from './frequency.normaliser.js';

describe('normaliseFrequency', () => {
  it.each([
    ['b.i.d.', 'BID', 2, false],
    ['bid', 'BID', 2, false],
    ['BID', 'BID', 2, false],
    ['twice daily', 'BID', 2, false],
    ['twice a day', 'BID', 2, false],
    ['2 times a day', 'BID', 2, false],
    ['q12h', 'Q12H', 2, false],
    ['every 12 hours', 'Q12H', 2, false],
    ['q.12h.', 'Q12H', 2, false],
    ['q.d.', 'QD', 1, false],
    ['qd', 'QD', 1, false],
    ['daily', 'QD', 1, false],
    ['once a day', 'QD', 1, false],
    ['one a day', 'QD', 1, false],
    ['a day', 'QD', 1, false],
    ['per day', 'QD', 1, false],
    ['every morning', 'QAM', 1, false],
    ['in the morning', 'QAM', 1, false],
    ['in the evening', 'QPM', 1, false],
    ['at bedtime', 'QHS', 1, false],
    ['q.h.s.', 'QHS', 1, false],
    ['at h.s.', 'QHS', 1, false],
    ['nightly', 'QHS', 1, false],
    ['t.i.d.', 'TID', 3, false],
    ['three times daily', 'TID', 3, false],
    ['with each meal', 'TID', 3, false],
    ['a.c.', 'TID', 3, false],
    ['q.i.d.', 'QID', 4, false],
    ['four times daily', 'QID', 4, false],
    ['4 times a day', 'QID', 4, false],
    ['q4h', 'Q4H', 6, false],
    ['every four hours', 'Q4H', 6, false],
    ['q.6 h', 'Q6H', 4, false],
    ['q.8h. round the clock', 'Q8H', 3, false],
    ['hourly', 'Q1H', 24, false],
    ['every other day', 'QOD', 0.5, false],
    ['q.o.d.', 'QOD', 0.5, false],
    ['every 2 days', 'QOD', 0.5, false],
    ['weekly', 'QWK', 1 / 7, false],
    ['once a week', 'QWK', 1 / 7, false],
    ['twice weekly', 'BIW', 2 / 7, false],
    ['Mondays, Wednesdays and Fridays', 'TIW', 3 / 7, false],
    ['monthly', 'QMONTH', 1 / 30, false],
    ['p.r.n.', 'PRN', null, true],
    ['as needed', 'PRN', null, true],
    ['on a p.r.n. basis', 'PRN', null, true],
    ['PRN', 'PRN', null, true],
    ['daily p.r.n.', 'QD', 1, true],
    ['every 6 hours p.r.n.', 'Q6H', 4, true],
    ['q.6h. p.r.n.', 'Q6H', 4, true],
    ['t.i.d. p.r.n.', 'TID', 3, true],
    ['as needed for pain', 'PRN', null, true],
    ['once', 'ONCE', null, false],
    ['stat', 'ONCE', null, false],
    ['continuous infusion', 'CONT', null, false],
    ['daily for 7 days', 'QD', 1, false],
  ] as const)('%s', (text, code, timesPerDay, asNeeded) => {
    const f = normaliseFrequency(text);
    expect(f).not.toBeNull();
    expect({ code: f?.code, asNeeded: f?.asNeeded }).toEqual({ code, asNeeded });
    if (timesPerDay === null) expect(f?.timesPerDay).toBeNull();
    else expect(f?.timesPerDay).toBeCloseTo(timesPerDay, 6);
  });

  it('reads a range of intervals with both ends and accepts codes across it', () => {
    for (const text of ['q4-6h', 'every 4 to 6 hours', 'q.4-6h. p.r.n.']) {
      const f = normaliseFrequency(text);
      expect(f).toMatchObject({ code: 'Q4H', timesPerDay: 6, minTimesPerDay: 4 });
      expect(f?.acceptedCodes.has('Q6H')).toBe(true);
      expect(f?.acceptedCodes.has('Q8H')).toBe(false);
    }
  });

  it('gives doses per day without a code where the contract has none', () => {
    expect(normaliseFrequency('5 times a day')).toMatchObject({ code: null, timesPerDay: 5 });
    expect(normaliseFrequency('every 3 days')?.timesPerDay).toBeCloseTo(1 / 3);
    expect(normaliseFrequency('every 4 weeks')?.acceptedCodes.has('QMONTH')).toBe(true);
  });

  it('accepts synonyms and PRN for as-needed text, but not a different schedule', () => {
    const bid = normaliseFrequency('b.i.d.')!;
    expect([...bid.acceptedCodes].sort()).toEqual(['BID', 'Q12H']);
    expect(normaliseFrequency('every 6 hours as needed')!.acceptedCodes.has('PRN')).toBe(true);
    expect(normaliseFrequency('daily')!.acceptedCodes.has('QAM')).toBe(false);
  });

  it('returns null for text it cannot read', () => {
    for (const text of ['on dialysis days', 'per cardiology', 'sliding scale', ''])
      expect(normaliseFrequency(text)).toBeNull();
  });
});

describe('timesPerDayAgrees', () => {
  it('holds within a range and fails outside it', () => {
    const f = normaliseFrequency('q4-6h')!;
    expect(timesPerDayAgrees(f, 4)).toBe(true);
    expect(timesPerDayAgrees(f, 6)).toBe(true);
    expect(timesPerDayAgrees(f, 3)).toBe(false);
  });

  it('accepts one dose for once-only and nothing for as-needed without an interval', () => {
    expect(timesPerDayAgrees(normaliseFrequency('once')!, 1)).toBe(true);
    expect(timesPerDayAgrees(normaliseFrequency('p.r.n.')!, 4)).toBe(false);
  });

  it('knows the doses per day of every code', () => {
    expect(FREQUENCY_TIMES_PER_DAY.Q8H).toBe(3);
    expect(FREQUENCY_TIMES_PER_DAY.PRN).toBeNull();
  });
});
