import { boundedMemo } from '../text/bounded-memo.util.js';
import { readLeadingUnit, type DoseUnit } from '../units/dose-unit.normaliser.js';

/**
 * Reads a dose as written ("500 mg", "0.5mg", "1,000 mg", "2 tabs", "1-2 puffs", "one to two tablets", "1/2 tab",
 * "80/12.5 mg") into numbers and a unit. It never guesses: a text without a number gives kind `none`.
 */

export type DoseKind = 'single' | 'range' | 'combination' | 'none';

export interface ParsedDose {
  readonly kind: DoseKind;
  /** The amount, or the low end of a range (as the annotation guideline does); null for combinations and none. */
  readonly value: number | null;
  /** The high end of a range; null otherwise. */
  readonly high: number | null;
  /** Every amount in the text (range ends, combination parts), for "does this value appear in the text" checks. */
  readonly numbers: readonly number[];
  readonly unit: DoseUnit | null;
}

interface NumberToken {
  value: number;
  start: number;
  end: number;
  /** A proper fraction ("1/2", "half"), which may complete a mixed number ("1 1/2"). */
  fraction: boolean;
}

const WORD_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6], ['seven', 7], ['eight', 8],
  ['nine', 9], ['ten', 10], ['eleven', 11], ['twelve', 12], ['half', 0.5],
]);
const VULGAR_FRACTIONS: ReadonlyMap<string, number> = new Map([['½', 0.5], ['¼', 0.25], ['¾', 0.75], ['⅓', 1 / 3], ['⅔', 2 / 3]]);

// Group 1: digits (with thousands commas or a decimal part); 2: a number word; 3: a vulgar fraction character.
const NUMBER_TOKEN_RE =
  /(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half)\b|([½¼¾⅓⅔])/g;
const HALF_PHRASE_RE = /\b(?:one[-\s]|a\s)half\b/g;
const COMMA_RE = /,/g;
const SLASH_GAP_RE = /^\s*\/\s*$/;
const RANGE_GAP_RE = /^\s*(?:-|–|—|to|or)\s*$/;
const MIXED_GAP_RE = /^(?:\s+|\s*-\s*|\s+and\s+(?:a\s+)?)$/;
const PROPER_FRACTION_MAX_DENOMINATOR = 16;

const NONE: ParsedDose = Object.freeze({ kind: 'none', value: null, high: null, numbers: Object.freeze([]), unit: null });

function tokenise(text: string): NumberToken[] {
  const tokens: NumberToken[] = [];
  NUMBER_TOKEN_RE.lastIndex = 0;
  for (let m = NUMBER_TOKEN_RE.exec(text); m !== null; m = NUMBER_TOKEN_RE.exec(text)) {
    const [whole, digits, word, vulgar] = m;
    const value =
      digits !== undefined
        ? Number(digits.replace(COMMA_RE, ''))
        : word !== undefined
          ? WORD_NUMBERS.get(word)
          : VULGAR_FRACTIONS.get(vulgar ?? '');
    if (value === undefined || !Number.isFinite(value)) continue;
    tokens.push({ value, start: m.index, end: m.index + whole.length, fraction: word === 'half' || vulgar !== undefined });
  }
  return tokens;
}

/** "1/2" becomes one token 0.5; "80/12.5" stays two tokens (a combination). */
function mergeFractions(text: string, tokens: NumberToken[]): NumberToken[] {
  const merged: NumberToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1];
    if (
      b !== undefined &&
      Number.isInteger(a.value) &&
      Number.isInteger(b.value) &&
      a.value > 0 &&
      a.value < b.value &&
      b.value <= PROPER_FRACTION_MAX_DENOMINATOR &&
      SLASH_GAP_RE.test(text.slice(a.end, b.start))
    ) {
      merged.push({ value: a.value / b.value, start: a.start, end: b.end, fraction: true });
      i++;
    } else {
      merged.push(a);
    }
  }
  return merged;
}

/** "1 1/2" and "1-1/2" become 1.5; a fraction after a whole number with another connector is left alone. */
function mergeMixedNumbers(text: string, tokens: NumberToken[]): NumberToken[] {
  const merged: NumberToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1];
    if (b !== undefined && b.fraction && !a.fraction && Number.isInteger(a.value) && MIXED_GAP_RE.test(text.slice(a.end, b.start))) {
      merged.push({ value: a.value + b.value, start: a.start, end: b.end, fraction: false });
      i++;
    } else {
      merged.push(a);
    }
  }
  return merged;
}

function parseDoseUncached(text: string): ParsedDose {
  const lower = text.toLowerCase().replace(HALF_PHRASE_RE, 'half');
  const tokens = mergeMixedNumbers(lower, mergeFractions(lower, tokenise(lower)));
  const first = tokens[0];
  if (first === undefined) return NONE;

  // The first group is the leading number plus whatever range or combination connectors chain onto it.
  let kind: Exclude<DoseKind, 'none'> = 'single';
  let last = first;
  let high = first.value;
  for (let i = 1; i < tokens.length; i++) {
    const next = tokens[i]!;
    const gap = lower.slice(last.end, next.start);
    if (SLASH_GAP_RE.test(gap)) kind = 'combination';
    else if (RANGE_GAP_RE.test(gap) && kind !== 'combination') kind = 'range';
    else break;
    high = Math.max(high, next.value);
    last = next;
  }

  const numbers = tokens.map((t) => t.value);
  const unit = readLeadingUnit(lower.slice(last.end));
  switch (kind) {
    case 'single':
      return { kind, value: first.value, high: null, numbers, unit };
    case 'range':
      return { kind, value: first.value, high, numbers, unit };
    case 'combination':
      return { kind, value: null, high: null, numbers, unit };
  }
}

/** Parses a dose as written; results are shared and must not be mutated. */
export const parseDose: (text: string) => ParsedDose = boundedMemo(parseDoseUncached);
