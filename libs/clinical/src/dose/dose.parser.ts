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
  /** The unit of the leading amount ("2 tablets (1000 mg)" gives tablets). */
  readonly unit: DoseUnit | null;
  /**
   * Every amount in the text with the unit written after its group (range ends and combination parts share one), for
   * "does this value appear in the text" checks: "2 tablets (1000 mg)" gives 2 tablets and 1000 mg.
   */
  readonly amounts: readonly DoseAmount[];
}

export interface DoseAmount {
  readonly value: number;
  readonly unit: DoseUnit | null;
}

interface NumberToken {
  value: number;
  start: number;
  end: number;
  /** A proper fraction ("1/2", "half"), which may complete a mixed number ("1 1/2"). */
  fraction: boolean;
}

// prettier-ignore
const WORD_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6], ['seven', 7], ['eight', 8],
  ['nine', 9], ['ten', 10], ['eleven', 11], ['twelve', 12], ['half', 0.5],
]);
// prettier-ignore
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

const NONE: ParsedDose = Object.freeze({
  kind: 'none',
  value: null,
  high: null,
  unit: null,
  amounts: Object.freeze([]),
});

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
    tokens.push({
      value,
      start: m.index,
      end: m.index + whole.length,
      fraction: word === 'half' || vulgar !== undefined,
    });
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
    if (
      b !== undefined &&
      b.fraction &&
      !a.fraction &&
      Number.isInteger(a.value) &&
      MIXED_GAP_RE.test(text.slice(a.end, b.start))
    ) {
      merged.push({ value: a.value + b.value, start: a.start, end: b.end, fraction: false });
      i++;
    } else {
      merged.push(a);
    }
  }
  return merged;
}

interface DoseGroup {
  kind: Exclude<DoseKind, 'none'>;
  tokens: NumberToken[];
  unit: DoseUnit | null;
}

/** Splits tokens into groups chained by range ("1-2", "1 to 2") or combination ("80/12.5") connectors. */
function groupTokens(text: string, tokens: readonly NumberToken[]): DoseGroup[] {
  const groups: DoseGroup[] = [];
  let current: DoseGroup | undefined;
  for (const token of tokens) {
    const last = current?.tokens[current.tokens.length - 1];
    const gap = last ? text.slice(last.end, token.start) : '';
    if (current && last && SLASH_GAP_RE.test(gap)) {
      current.kind = 'combination';
      current.tokens.push(token);
    } else if (current && last && current.kind !== 'combination' && RANGE_GAP_RE.test(gap)) {
      current.kind = 'range';
      current.tokens.push(token);
    } else {
      current = { kind: 'single', tokens: [token], unit: null };
      groups.push(current);
    }
  }
  for (const group of groups) {
    const end = group.tokens[group.tokens.length - 1]?.end ?? 0;
    group.unit = readLeadingUnit(text.slice(end));
  }
  return groups;
}

function parseDoseUncached(text: string): ParsedDose {
  const lower = text.toLowerCase().replace(HALF_PHRASE_RE, 'half');
  const groups = groupTokens(lower, mergeMixedNumbers(lower, mergeFractions(lower, tokenise(lower))));
  // The leading group is the dose; later groups are restatements ("2 tablets (1000 mg)") or a second sig.
  const lead = groups[0];
  if (lead === undefined) return NONE;
  const amounts = groups.flatMap((g) => g.tokens.map((t) => ({ value: t.value, unit: g.unit })));
  const values = lead.tokens.map((t) => t.value);
  const { kind, unit } = lead;
  switch (kind) {
    case 'single':
      return { kind, value: values[0] ?? null, high: null, unit, amounts };
    case 'range':
      return { kind, value: values[0] ?? null, high: Math.max(...values), unit, amounts };
    case 'combination':
      return { kind, value: null, high: null, unit, amounts };
  }
}

/** Parses a dose as written; results are shared and must not be mutated. */
export const parseDose: (text: string) => ParsedDose = boundedMemo(parseDoseUncached);
