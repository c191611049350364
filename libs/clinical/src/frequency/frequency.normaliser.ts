import { FREQUENCY_CODES } from '#schemas';
import { boundedMemo } from '../text/bounded-memo.util.js';

/**
 * Free-text dosing frequency ("b.i.d.", "twice a day", "q4-6h p.r.n.", "every other day", "Mondays, Wednesdays and
 * Fridays") to the contract's frequency code, doses per day and as-needed flag. Returns null for text it cannot
 * read, rather than a guess: the validator reports that as unparseable.
 */

export type FrequencyCode = (typeof FREQUENCY_CODES)[number];

export interface NormalisedFrequency {
  /** The most specific code for the text; null when no contract code fits (e.g. "5 times a day"). */
  readonly code: FrequencyCode | null;
  /** Doses per day at the most frequent reading ("q4-6h" gives 6); null for as-needed only, once and continuous. */
  readonly timesPerDay: number | null;
  /** Doses per day at the least frequent reading; equals `timesPerDay` unless the text gives a range. */
  readonly minTimesPerDay: number | null;
  readonly asNeeded: boolean;
  /** Codes an engine may fairly give for this text: synonyms (BID and Q12H), range members, PRN when as needed. */
  readonly acceptedCodes: ReadonlySet<FrequencyCode>;
}

/** Doses per day each code means; null where the code says nothing about a daily count. */
// prettier-ignore
export const FREQUENCY_TIMES_PER_DAY: Readonly<Record<FrequencyCode, number | null>> = {
  QD: 1, BID: 2, TID: 3, QID: 4, QHS: 1, QAM: 1, QPM: 1,
  Q1H: 24, Q2H: 12, Q3H: 8, Q4H: 6, Q6H: 4, Q8H: 3, Q12H: 2, Q24H: 1, Q48H: 0.5,
  QOD: 0.5, QWK: 1 / 7, BIW: 2 / 7, TIW: 3 / 7, QMONTH: 1 / 30, ONCE: null, CONT: null, PRN: null,
};

// Codes that say the same thing in different words. Bedtime and evening are grouped because notes and engines use
// them interchangeably for a once-nightly dose; morning and "daily" are not, since a morning time is information.
// prettier-ignore
const SYNONYM_GROUPS: readonly (readonly FrequencyCode[])[] = [
  ['QD', 'Q24H'], ['BID', 'Q12H'], ['TID', 'Q8H'], ['QID', 'Q6H'], ['QOD', 'Q48H'], ['QHS', 'QPM'],
];
const SYNONYMS: ReadonlyMap<FrequencyCode, readonly FrequencyCode[]> = new Map(
  SYNONYM_GROUPS.flatMap((group) => group.map((code) => [code, group] as const)),
);

// prettier-ignore
const HOURLY_CODES: ReadonlyMap<number, FrequencyCode> = new Map([
  [1, 'Q1H'], [2, 'Q2H'], [3, 'Q3H'], [4, 'Q4H'], [6, 'Q6H'], [8, 'Q8H'], [12, 'Q12H'], [24, 'Q24H'], [48, 'Q48H'],
]);
const PER_DAY_CODES: ReadonlyMap<number, FrequencyCode> = new Map([
  [1, 'QD'],
  [2, 'BID'],
  [3, 'TID'],
  [4, 'QID'],
]);
const PER_WEEK_CODES: ReadonlyMap<number, FrequencyCode> = new Map([
  [1, 'QWK'],
  [2, 'BIW'],
  [3, 'TIW'],
]);

// prettier-ignore
const PHRASES: ReadonlyMap<string, FrequencyCode> = (() => {
  const rows: readonly (readonly [FrequencyCode, readonly string[]])[] = [
    ['QD', ['qd', 'daily', 'once daily', 'once a day', 'one a day', 'once per day', 'a day', 'per day', 'each day',
      'every day', 'everyday', 'q day', 'qday', 'day', 'once every day', 'once each day', 'daily dose']],
    ['QAM', ['qam', 'q am', 'every morning', 'in the morning', 'each morning', 'in am', 'in the am', 'am', 'every am',
      'mornings', 'with breakfast', 'before breakfast', 'daily in the morning', 'once daily in the morning', 'q morning',
      'daily in am', 'daily am', 'once a day in the morning', 'every day in the morning']],
    ['QPM', ['qpm', 'q pm', 'every evening', 'in the evening', 'each evening', 'in the pm', 'in pm', 'pm', 'every pm',
      'evenings', 'with supper', 'with dinner', 'daily in the evening', 'once daily in the evening', 'q evening',
      'daily pm', 'once a day in the evening', 'with the evening meal']],
    ['QHS', ['qhs', 'q hs', 'hs', 'at hs', 'at bedtime', 'bedtime', 'nightly', 'at night', 'every night', 'each night',
      'qnight', 'q night', 'every bedtime', 'daily at bedtime', 'before bed', 'before bedtime', 'at bed time',
      'nightly at bedtime', 'once daily at bedtime', 'once a day at bedtime', 'every night at bedtime', 'qhs bedtime',
      'at night time', 'nighttime', 'at nighttime', 'daily at night']],
    ['BID', ['bid', 'twice daily', 'twice a day', 'twice per day', 'bd', 'twice each day', 'twice every day',
      'morning and evening', 'morning and night', 'in the morning and at bedtime', 'am and pm', 'in the morning and evening']],
    ['TID', ['tid', 'three times daily', 'three times a day', 'three times per day', 'thrice daily', 'with meals',
      'with each meal', 'with every meal', 'ac', 'before meals', 'before each meal', 'pc', 'after meals',
      'after each meal', 'tid with meals', 'tid ac', 'tid pc', 'tds']],
    ['QID', ['qid', 'four times daily', 'four times a day', 'four times per day', 'ac and hs', 'ac & hs', 'achs',
      'before meals and at bedtime', 'with meals and at bedtime', 'qds']],
    ['QOD', ['qod', 'every other day', 'every 2nd day', 'every second day', 'alternate days', 'on alternate days',
      'q other day', 'eod', 'alternating days', 'every alternate day']],
    ['QWK', ['weekly', 'once weekly', 'once a week', 'every week', 'qweek', 'qwk', 'q week', 'q wk', 'per week',
      'a week', 'each week', 'once per week', 'once every week', 'one time a week', 'one time per week']],
    ['BIW', ['biw', 'twice weekly', 'twice a week', 'twice per week', 'twice each week']],
    ['TIW', ['tiw', 'three times weekly', 'three times a week', 'three times per week', 'thrice weekly', 'mwf', 'm w f']],
    ['QMONTH', ['monthly', 'once a month', 'every month', 'qmonth', 'q month', 'once monthly', 'per month', 'a month',
      'each month', 'once per month', 'once every month', 'qmo', 'q mo']],
    ['ONCE', ['once', 'one time', 'x1', 'x 1', 'one dose', 'single dose', 'once only', 'stat', 'now', 'today',
      'one time only', 'once today', 'one time dose', 'times one', 'times 1', 'once now', 'now and then stop']],
    ['CONT', ['continuous', 'continuously', 'continuous infusion', 'drip', 'infusion', 'via drip',
      'continuous iv infusion', 'gtt', 'as a drip', 'as an infusion']],
    ['Q1H', ['hourly', 'every hour', 'q hour', 'qh', 'each hour', 'qhr', 'q hr']],
    ['Q2H', ['every other hour']],
  ];
  const map = new Map<string, FrequencyCode>();
  for (const [code, phrases] of rows) for (const phrase of phrases) map.set(phrase, code);
  return map;
})();

// prettier-ignore
const WORD_DIGITS: ReadonlyMap<string, string> = new Map([
  ['one', '1'], ['two', '2'], ['three', '3'], ['four', '4'], ['five', '5'], ['six', '6'], ['seven', '7'],
  ['eight', '8'], ['nine', '9'], ['ten', '10'], ['eleven', '11'], ['twelve', '12'],
  ['twenty four', '24'], ['forty eight', '48'], ['seventy two', '72'], ['once', '1 times'], ['twice', '2 times'],
  ['thrice', '3 times'],
]);
// Runs after hyphens between words became spaces, so "twenty-four" arrives as "twenty four".
const WORD_DIGITS_RE =
  /\b(?:twenty four|forty eight|seventy two|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|once|twice|thrice)\b/g;
// "mon", "monday", "mondays", "tues", "wednesday", "thurs"...; counted by their first three letters.
const WEEKDAY_SOURCE = '(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?';
const WEEKDAY_RE = new RegExp(`\\b${WEEKDAY_SOURCE}\\b`, 'g');
const WEEKDAY_LIST_RE = new RegExp(
  `^(?:(?:on|every|each|and|&|/|-)\\s*)*(?:${WEEKDAY_SOURCE}(?:\\s*(?:and|&|/|-)?\\s*)?)+$`,
);

const NON_DECIMAL_PERIOD_RE = /(?<!\d)\.|\.(?!\d)/g;
const PUNCTUATION_RE = /[,;:()[\]]/g;
const HYPHEN_BETWEEN_WORDS_RE = /(?<=[a-z])-(?=[a-z])/g;
const SPACES_RE = /\s+/g;
const AS_NEEDED_SOURCE =
  '\\b(?:on an? (?:prn|as needed) basis|prn|as needed|as required|when needed|if needed|when required|as necessary|if necessary|sos)\\b';
const AS_NEEDED_TEST_RE = new RegExp(AS_NEEDED_SOURCE);
const AS_NEEDED_RE = new RegExp(AS_NEEDED_SOURCE, 'g');
const DURATION_RE =
  /\b(?:for|x|×|times)\s*\d+\s*(?:days?|d|weeks?|wks?|w|months?|mos?)\b|\bfor\s+(?:a|one|two|three|\d+)\s+(?:days?|weeks?|months?)\b/g;
const PURPOSE_RE = /\bfor\s+(?!\d)[a-z][a-z\s/]*$/;
const FILLER_RE =
  /\b(?:round the clock|around the clock|atc|scheduled|regularly|routinely|usually|approximately|about|take|taken|given|up to|then|standing|std|as directed)\b/g;

const HOURS_RE =
  /^(?:q|every|each)\s*(\d+(?:\.\d+)?)\s*(?:(?:-|to|or)\s*(\d+(?:\.\d+)?)\s*)?(?:h|hr|hrs|hour|hours|o)$/;
const DAYS_RE = /^(?:q|every|each)\s*(\d+)\s*(?:d|days?)$/;
const WEEKS_RE = /^(?:q|every|each)\s*(\d+)\s*(?:w|wk|wks|weeks?)$/;
const MONTHS_RE = /^(?:q|every|each)\s*(\d+)\s*(?:mo|mos|months?)$/;
const TIMES_PER_RE =
  /^(\d+)\s*(?:x|times?)?\s*(?:a|per|each|every|\/|in a|in)?\s*(day|daily|d|24 hours|24h|week|weekly|wk|month|monthly)$/;

const DAYS_PER_MONTH = 30;
const DAYS_PER_WEEK = 7;

const acceptedCache = new Map<string, ReadonlySet<FrequencyCode>>();

function acceptedCodes(codes: readonly FrequencyCode[], asNeeded: boolean): ReadonlySet<FrequencyCode> {
  const key = `${codes.join(',')}|${asNeeded}`;
  let set = acceptedCache.get(key);
  if (set === undefined) {
    const members = codes.flatMap((c) => SYNONYMS.get(c) ?? [c]);
    if (asNeeded) members.push('PRN');
    set = new Set(members);
    acceptedCache.set(key, set);
  }
  return set;
}

function fromCode(code: FrequencyCode, asNeeded: boolean): NormalisedFrequency {
  const perDay = FREQUENCY_TIMES_PER_DAY[code];
  return {
    code,
    timesPerDay: perDay,
    minTimesPerDay: perDay,
    asNeeded,
    acceptedCodes: acceptedCodes([code], asNeeded),
  };
}

/** A reading with a daily count but possibly no contract code ("every 3 days", "5 times a day"). */
function fromRate(
  code: FrequencyCode | null,
  minPerDay: number,
  maxPerDay: number,
  asNeeded: boolean,
  alsoAccepted: readonly FrequencyCode[] = [],
): NormalisedFrequency {
  const codes = code === null ? alsoAccepted : [code, ...alsoAccepted];
  return {
    code,
    timesPerDay: maxPerDay,
    minTimesPerDay: minPerDay,
    asNeeded,
    acceptedCodes: acceptedCodes(codes, asNeeded),
  };
}

function readNumericForms(text: string, asNeeded: boolean): NormalisedFrequency | null {
  const hours = HOURS_RE.exec(text);
  if (hours) {
    const low = Number(hours[1]);
    const high = hours[2] === undefined ? low : Number(hours[2]);
    if (!(low > 0) || !(high >= low)) return null;
    // Every 4 to 6 hours is at most 6 and at least 4 doses a day; the code names the shortest interval.
    const members = [...HOURLY_CODES.entries()].filter(([h]) => h >= low && h <= high).map(([, c]) => c);
    return fromRate(HOURLY_CODES.get(low) ?? null, 24 / high, 24 / low, asNeeded, members);
  }
  const days = DAYS_RE.exec(text);
  if (days) {
    const n = Number(days[1]);
    if (n === 1) return fromCode('QD', asNeeded);
    if (n === 2) return fromCode('QOD', asNeeded);
    if (n === DAYS_PER_WEEK) return fromCode('QWK', asNeeded);
    if (n === DAYS_PER_MONTH) return fromCode('QMONTH', asNeeded);
    return n > 0 ? fromRate(null, 1 / n, 1 / n, asNeeded) : null;
  }
  const weeks = WEEKS_RE.exec(text);
  if (weeks) {
    const n = Number(weeks[1]);
    if (n === 1) return fromCode('QWK', asNeeded);
    // Every four weeks is what most people mean by monthly (depot injections), so QMONTH is accepted for it.
    return n > 0
      ? fromRate(null, 1 / (n * DAYS_PER_WEEK), 1 / (n * DAYS_PER_WEEK), asNeeded, n === 4 ? ['QMONTH'] : [])
      : null;
  }
  const months = MONTHS_RE.exec(text);
  if (months) {
    const n = Number(months[1]);
    if (n === 1) return fromCode('QMONTH', asNeeded);
    return n > 0 ? fromRate(null, 1 / (n * DAYS_PER_MONTH), 1 / (n * DAYS_PER_MONTH), asNeeded) : null;
  }
  const perPeriod = TIMES_PER_RE.exec(text);
  if (perPeriod) {
    const n = Number(perPeriod[1]);
    const period = perPeriod[2] ?? '';
    if (!(n > 0)) return null;
    if (period.startsWith('w')) {
      const code = PER_WEEK_CODES.get(n);
      return code ? fromCode(code, asNeeded) : fromRate(null, n / DAYS_PER_WEEK, n / DAYS_PER_WEEK, asNeeded);
    }
    if (period.startsWith('m'))
      return n === 1 ? fromCode('QMONTH', asNeeded) : fromRate(null, n / DAYS_PER_MONTH, n / DAYS_PER_MONTH, asNeeded);
    const code = PER_DAY_CODES.get(n);
    return code ? fromCode(code, asNeeded) : fromRate(null, n, n, asNeeded);
  }
  if (WEEKDAY_LIST_RE.test(text)) {
    const n = new Set(text.match(WEEKDAY_RE)?.map((d) => d.slice(0, 3))).size;
    const code = PER_WEEK_CODES.get(n);
    return code ? fromCode(code, asNeeded) : fromRate(null, n / DAYS_PER_WEEK, n / DAYS_PER_WEEK, asNeeded);
  }
  return null;
}

function normaliseUncached(text: string): NormalisedFrequency | null {
  let t = text
    .toLowerCase()
    .replace(NON_DECIMAL_PERIOD_RE, '')
    .replace(PUNCTUATION_RE, ' ')
    .replace(HYPHEN_BETWEEN_WORDS_RE, ' ')
    .replace(SPACES_RE, ' ')
    .trim();
  const asNeeded = AS_NEEDED_TEST_RE.test(t);
  t = t
    .replace(AS_NEEDED_RE, ' ')
    .replace(DURATION_RE, ' ')
    .replace(FILLER_RE, ' ')
    .replace(SPACES_RE, ' ')
    .trim()
    .replace(PURPOSE_RE, '')
    .trim();

  if (t === '') return asNeeded ? fromCode('PRN', true) : null;
  const phrase = PHRASES.get(t);
  if (phrase) return fromCode(phrase, asNeeded);
  const numeric = t.replace(WORD_DIGITS_RE, (w) => WORD_DIGITS.get(w) ?? w).replace(SPACES_RE, ' ');
  const numericPhrase = PHRASES.get(numeric);
  return numericPhrase ? fromCode(numericPhrase, asNeeded) : readNumericForms(numeric, asNeeded);
}

/** Normalises a frequency as written; null when the text is not a frequency this module can read. */
export const normaliseFrequency: (text: string) => NormalisedFrequency | null = boundedMemo(normaliseUncached);

const PER_DAY_TOLERANCE = 0.01;

/** Whether an engine's doses-per-day figure fits the normalised reading (within 1%, inside a range's bounds). */
export function timesPerDayAgrees(reading: NormalisedFrequency, timesPerDay: number): boolean {
  if (reading.timesPerDay === null || reading.minTimesPerDay === null) {
    // Once-only: some engines write 1 for a single dose; anything more is a daily schedule the text does not give.
    return reading.code === 'ONCE' && timesPerDay <= 1;
  }
  return (
    timesPerDay >= reading.minTimesPerDay * (1 - PER_DAY_TOLERANCE) &&
    timesPerDay <= reading.timesPerDay * (1 + PER_DAY_TOLERANCE)
  );
}
