import { describe, expect, it } from '@jest/globals';
import { formatDecimal, parseDecimal, priceUsage, trimDecimal, type PriceRates } from './pricing.js';

const tokens: PriceRates = {
  inputPerMillion: '10',
  outputPerMillion: '30',
  cachedInputPerMillion: null,
  perModelSecond: null,
};
const usage = (
  u: Partial<{ inputTokens: number; outputTokens: number; cachedTokens: number; modelSeconds: number }>,
) => ({
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  modelSeconds: 0,
  ...u,
});

describe('priceUsage', () => {
  it('prices the issue example exactly: 500 in + 200 out at $10/$30 per million is $0.011, $110 for 10,000', () => {
    const one = priceUsage(usage({ inputTokens: 500, outputTokens: 200 }), tokens);
    expect(one).toEqual({ priced: true, costUsd: '0.011000000000' });
    const day = priceUsage(usage({ inputTokens: 500 * 10_000, outputTokens: 200 * 10_000 }), tokens);
    expect(day).toEqual({ priced: true, costUsd: '110.000000000000' });
  });

  it('prices cached prompt tokens at the cached rate, or at the input rate when there is none', () => {
    const u = usage({ inputTokens: 1000, cachedTokens: 800, outputTokens: 100 });
    expect(priceUsage(u, { ...tokens, cachedInputPerMillion: '2.5' })).toEqual({
      priced: true,
      costUsd: '0.007000000000',
    });
    expect(priceUsage(u, tokens)).toEqual({ priced: true, costUsd: '0.013000000000' });
  });

  it('keeps sub-cent precision without float error', () => {
    const mini: PriceRates = {
      inputPerMillion: '0.15',
      outputPerMillion: '0.6',
      cachedInputPerMillion: '0.075',
      perModelSecond: null,
    };
    expect(priceUsage(usage({ inputTokens: 523, cachedTokens: 37, outputTokens: 1 }), mini)).toEqual({
      priced: true,
      // 486 × 0.15 + 37 × 0.075 + 1 × 0.6 = 76.275 µ$
      costUsd: '0.000076275000',
    });
  });

  it('prices model-seconds per second', () => {
    const ner: PriceRates = {
      inputPerMillion: null,
      outputPerMillion: null,
      cachedInputPerMillion: null,
      perModelSecond: '0.00004',
    };
    expect(priceUsage(usage({ modelSeconds: 2.5 }), ner)).toEqual({ priced: true, costUsd: '0.000100000000' });
    expect(priceUsage(usage({ modelSeconds: 0.123456 }), ner)).toEqual({ priced: true, costUsd: '0.000004938240' });
  });

  it('leaves usage unpriced (never $0) without a price, or without the rate it needs', () => {
    expect(priceUsage(usage({ inputTokens: 1 }), null)).toMatchObject({ priced: false });
    const ner: PriceRates = {
      inputPerMillion: null,
      outputPerMillion: null,
      cachedInputPerMillion: null,
      perModelSecond: '0.00004',
    };
    expect(priceUsage(usage({ inputTokens: 1 }), ner)).toMatchObject({ priced: false });
    expect(priceUsage(usage({ modelSeconds: 1 }), tokens)).toMatchObject({ priced: false });
    // No usage at all under a price is a true zero.
    expect(priceUsage(usage({}), tokens)).toEqual({ priced: true, costUsd: '0.000000000000' });
  });
});

describe('decimal helpers', () => {
  it('parse, format and trim plain decimals', () => {
    expect(parseDecimal('2.5', 4)).toBe(25000n);
    expect(parseDecimal('0.0000400000', 10)).toBe(400000n);
    expect(() => parseDecimal('1e-5', 10)).toThrow();
    expect(() => parseDecimal('0.123', 2)).toThrow();
    expect(formatDecimal(25000n, 4)).toBe('2.5000');
    expect(formatDecimal(5n, 3)).toBe('0.005');
    expect(trimDecimal('110.000000000000')).toBe('110');
    expect(trimDecimal('0.011000')).toBe('0.011');
  });
});
