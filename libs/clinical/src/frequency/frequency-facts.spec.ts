import { describe, expect, it } from '@jest/globals';
import { frequencyFacts } from './frequency-facts.js';

describe('frequencyFacts', () => {
  it('rounds times per day to 4 decimals for every engine, and reads as-needed', () => {
    expect(frequencyFacts('every 7 days')).toMatchObject({ timesPerDay: 0.1429 });
    expect(frequencyFacts('b.i.d.')).toMatchObject({ code: 'BID', timesPerDay: 2, asNeeded: false });
    expect(frequencyFacts('q.4h. p.r.n.')).toMatchObject({ timesPerDay: 6, asNeeded: true });
    expect(frequencyFacts('whenever')).toEqual({ code: null, timesPerDay: null, asNeeded: false });
  });
});
