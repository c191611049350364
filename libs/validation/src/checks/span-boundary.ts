import type { Span } from '#schemas';

/**
 * Where a span's edges fall in the note. Engines that tag tokens cut mentions at the wrong place: "Peri-" of
 * "Peri-Colace", "5 mg" of "2.5 mg", "1" of "1%". These helpers say whether an edge splits a word or a number.
 */

const ALNUM_RE = /[\p{L}\p{N}]/u;
const DIGIT_RE = /\d/;
const CONTINUES_RE = /[\p{N}\p{Lu}]/u;

const isAlnum = (c: string | undefined): boolean => c !== undefined && ALNUM_RE.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && DIGIT_RE.test(c);

export type CutEdge = 'start' | 'end';

export interface CutRules {
  /** Characters that join two word characters into one word across an edge ("-" in "Peri-Colace"). */
  readonly wordJoiners: string;
  /** Characters that join two digits into one number across an edge ("." in "2.5", "," in "1,000"). */
  readonly numberJoiners: string;
  /** Characters that, right after the span, still belong to it ("%" after "1"). */
  readonly trailing?: string;
  /** A word joiner after the span cuts it only when a digit or capital follows ("5-FU", not "325 mg-reduced"). */
  readonly joinedEndMustContinue?: boolean;
}

/** The first edge of `span` that cuts a word or a number of `text`, or null when both edges fall between words. */
export function cutEdge(text: string, span: Span, rules: CutRules): CutEdge | null {
  const { start, end } = span;
  if (start >= end) return null;
  const before = text[start - 1];
  const first = text[start];
  if (isAlnum(before) && isAlnum(first)) return 'start';
  if (before !== undefined && isAlnum(first) && isAlnum(text[start - 2])) {
    if (rules.wordJoiners.includes(before)) return 'start';
    if (rules.numberJoiners.includes(before) && isDigit(first) && isDigit(text[start - 2])) return 'start';
  }
  const last = text[end - 1];
  const after = text[end];
  if (isAlnum(last) && isAlnum(after)) return 'end';
  if (after !== undefined && rules.trailing?.includes(after) && isAlnum(last)) return 'end';
  const next = text[end + 1];
  if (after !== undefined && isAlnum(last) && isAlnum(next)) {
    // "[5]-FU" continues the name; "[325 mg]-reduced" goes on with another word.
    if (rules.wordJoiners.includes(after) && (!rules.joinedEndMustContinue || CONTINUES_RE.test(next!))) return 'end';
    if (rules.numberJoiners.includes(after) && isDigit(last) && isDigit(text[end + 1])) return 'end';
  }
  return null;
}

/** Whether two spans share at least one character. */
export function spansOverlap(a: Pick<Span, 'start' | 'end'>, b: Pick<Span, 'start' | 'end'>): boolean {
  return a.start < b.end && b.start < a.end;
}
