import { normaliseUnit, parseDose } from '#clinical';

/**
 * Numbers read from a value's text, for the fields a model left null. A reading is given only when the text states
 * exactly one quantity: "10 mg" reads as 10 mg and "1,000 mg" as 1000 mg, while a combination strength ("80 mg/12.5
 * mg", "5/325"), a range ("1-2 tablets") or a restated dose ("2 tablets (1000 mg)") reads as nothing, because taking
 * one of its numbers would be choosing, and choosing is the model's job (and, when it declined, nobody's).
 */

/** The dose a dose text states, with its unit as written ("mg", "puffs"); null unless it states exactly one amount. */
export function readSingleDose(text: string): { value: number; unit: string | null } | null {
  const dose = parseDose(text);
  if (dose.kind !== 'single' || dose.amounts.length !== 1 || dose.value === null || !(dose.value > 0)) return null;
  return { value: dose.value, unit: dose.unit ? writtenUnit(text, dose.unit.code) : null };
}

// The last number in the text, as parseDose reads numbers (digits with thousands commas or decimals, number words,
// vulgar fractions): the unit is written after it.
const NUMBER_RE =
  /\d[\d,]*(?:\.\d+)?|\.\d+|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half)\b|[½¼¾⅓⅔]/gi;
const MAX_UNIT_WORDS = 3;

/** The unit as the note writes it after the amount ("international units" stays as written), if it is `code`. */
function writtenUnit(text: string, code: string): string | null {
  let end = -1;
  for (const m of text.matchAll(NUMBER_RE)) end = m.index + m[0].length;
  if (end < 0) return null;
  const words = text.slice(end).trim().split(/\s+/).slice(0, MAX_UNIT_WORDS);
  for (let n = words.length; n > 0; n--) {
    const candidate = words
      .slice(0, n)
      .join(' ')
      .replace(/[\s.,;:)\]]+$/, '');
    if (candidate && normaliseUnit(candidate)?.code === code) return candidate;
  }
  return null;
}

// One number: thousands separators are commas between groups of three ("132,000"); a sign only when it stands
// before the number ("-2.5", not the "-" of "1-2"); digits glued to letters ("mm3", "10^9" counts as two) are not
// numbers of their own.
const LAB_NUMBER_RE =
  /(?<![\p{L}\p{N}.,])(?:(?<=^|[\s(])-)?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\p{N}]|[.,]\d)/gu;

/**
 * The number a result text states ("132,000" is 132000, "less than 50" is 50, "7.2%" is 7.2); null when it states
 * none ("negative") or several ("120/80", "1.5-2.0", "4,5").
 */
export function readSingleNumber(text: string): number | null {
  const found = [...text.matchAll(LAB_NUMBER_RE)];
  if (found.length !== 1) return null;
  const n = Number(found[0]![0].replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}
