/**
 * Prices one metered unit of work, exactly: decimal strings in, decimal strings out, integer arithmetic in between
 * (a sum of a million float costs drifts; finance needs $110.00, not $109.99999999). Rates are per million tokens
 * (cached prompt tokens at their own rate, or at the input rate when none is set) and per model-second.
 *
 * An event is unpriced (cost null, never $0) when there is no price version for its engine and model at its time,
 * or the version lacks a rate the event needs (tokens without token rates, model time without a per-second rate).
 */

export interface PriceRates {
  readonly inputPerMillion: string | null;
  readonly outputPerMillion: string | null;
  readonly cachedInputPerMillion: string | null;
  readonly perModelSecond: string | null;
}

export interface MeteredUsage {
  /** Prompt tokens, cached ones included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly modelSeconds: number;
}

export type PricingResult = { priced: true; costUsd: string } | { priced: false; reason: string };

/** Stored cost precision (cost_events.cost_usd is DECIMAL(24,12)). */
export const COST_DECIMALS = 12;
/** Working precision: per-million rates of 8 decimals are 1e-14 $ a token; per-second rates of 10, 1e-16 $ a microsecond. */
const WORK_DECIMALS = 16;
const TOKENS_PER_MILLION = 1_000_000n;
const MICROS_PER_SECOND = 1_000_000n;

/** A plain decimal string ("2.5", "0.0000400000") as an integer scaled by 10^decimals; extra digits are an error. */
export function parseDecimal(text: string, decimals: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a plain decimal: ${text}`);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) throw new Error(`more than ${decimals} decimals: ${text}`);
  const scaled = BigInt(m[2]! + fraction.padEnd(decimals, '0'));
  return m[1] === '-' ? -scaled : scaled;
}

/** An integer scaled by 10^decimals as a plain decimal string with exactly that many decimals. */
export function formatDecimal(scaled: bigint, decimals: number): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  return `${negative ? '-' : ''}${int}${decimals > 0 ? `.${frac}` : ''}`;
}

/** Rounds half up from one scale to a smaller one. */
function rescale(value: bigint, from: number, to: number): bigint {
  const factor = 10n ** BigInt(from - to);
  return (value + factor / 2n) / factor;
}

/** "110.000000000000" → "110", "0.011000000000" → "0.011": for display and comparisons. */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function priceUsage(usage: MeteredUsage, rates: PriceRates | null): PricingResult {
  if (!rates) return { priced: false, reason: 'no price version for this engine and model at the time of the event' };
  let total = 0n;
  const tokens = usage.inputTokens + usage.outputTokens;
  if (tokens > 0) {
    if (rates.inputPerMillion === null || rates.outputPerMillion === null) {
      return { priced: false, reason: 'the price version has no token rates' };
    }
    const input = parseDecimal(rates.inputPerMillion, WORK_DECIMALS);
    const output = parseDecimal(rates.outputPerMillion, WORK_DECIMALS);
    const cachedRate =
      rates.cachedInputPerMillion === null ? input : parseDecimal(rates.cachedInputPerMillion, WORK_DECIMALS);
    const cached = BigInt(Math.min(usage.cachedTokens, usage.inputTokens));
    const uncached = BigInt(usage.inputTokens) - cached;
    const perMillion = uncached * input + cached * cachedRate + BigInt(usage.outputTokens) * output;
    // Exact for rates of up to 10 decimals (the columns hold 8): the division by a million leaves no remainder.
    total += (perMillion + TOKENS_PER_MILLION / 2n) / TOKENS_PER_MILLION;
  }
  if (usage.modelSeconds > 0) {
    if (rates.perModelSecond === null) return { priced: false, reason: 'the price version has no per-second rate' };
    const micros = BigInt(Math.round(usage.modelSeconds * 1_000_000));
    const perSecond = parseDecimal(rates.perModelSecond, WORK_DECIMALS);
    total += (micros * perSecond + MICROS_PER_SECOND / 2n) / MICROS_PER_SECOND;
  }
  return { priced: true, costUsd: formatDecimal(rescale(total, WORK_DECIMALS, COST_DECIMALS), COST_DECIMALS) };
}
