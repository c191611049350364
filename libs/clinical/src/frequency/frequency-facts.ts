import { normaliseFrequency, type FrequencyCode } from './frequency.normaliser.js';

/** What the contract records about a frequency mention besides its text: code, times per day, as-needed. */
export interface FrequencyFacts {
  code: FrequencyCode | null;
  timesPerDay: number | null;
  asNeeded: boolean;
}

const MAX_TIMES_PER_DAY = 48;
const AS_NEEDED_RE = /\bp\.?r\.?n\b|as needed/i;

/**
 * The facts of a frequency as written, the same for every engine: the normaliser's code, times per day rounded to 4
 * decimals (q7days = 0.1429) and kept only within 0..48, and as-needed from the normaliser or the words themselves.
 */
export function frequencyFacts(written: string): FrequencyFacts {
  const f = normaliseFrequency(written);
  const perDay = f?.timesPerDay ?? null;
  return {
    code: f?.code ?? null,
    timesPerDay: perDay !== null && perDay >= 0 && perDay <= MAX_TIMES_PER_DAY ? Math.round(perDay * 1e4) / 1e4 : null,
    asNeeded: f?.asNeeded ?? AS_NEEDED_RE.test(written),
  };
}
