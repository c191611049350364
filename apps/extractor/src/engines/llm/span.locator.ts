import type { Span } from '#schemas';
import type { TextRange } from './instruction-passages.js';

/**
 * Finds the values a model returned in the note, to give them spans (the model returns values only: offsets are
 * the engine's job, because models count characters badly). Matching is exact first, then case-insensitive, then
 * with any run of whitespace standing for any other; within the first strategy that finds something, places at
 * word boundaries win. Places inside excluded ranges (passages addressed to an AI) never count.
 *
 * Evidence quotes (the few words the model copied around a value, to say which occurrence it means) are found the
 * same way, with one more strategy last: the quote's words in order with any punctuation and spacing between them,
 * because models tidy the punctuation of dictated notes ("MEDICATIONS:,  1. Lasix" quoted as "MEDICATIONS: 1. Lasix").
 */
export class SpanLocator {
  private readonly cache = new Map<string, Span[]>();
  private readonly quoteCache = new Map<string, TextRange[]>();

  constructor(
    readonly text: string,
    private readonly excluded: readonly TextRange[] = [],
  ) {}

  /** Every eligible place the value occurs, in note order. */
  occurrences(value: string): Span[] {
    const needle = value.trim();
    if (needle.length === 0) return [];
    let found = this.cache.get(needle);
    if (!found) {
      found = this.search(literalStrategies(needle), true);
      this.cache.set(needle, found);
    }
    return found;
  }

  /** The first place at or after `from`; else the first anywhere (from 0: "as first stated", e.g. the age). */
  first(value: string, from = 0): Span | null {
    const all = this.occurrences(value);
    return all.find((s) => s.start >= from) ?? all[0] ?? null;
  }

  /**
   * The place nearest after `anchor` (a sig follows its drug: "Lasix 40 mg PO daily"), else the nearest before it.
   * `taken` spans (already given to another value) are used only when nothing else fits.
   */
  near(value: string, anchor: number, taken: ReadonlySet<string> = new Set()): Span | null {
    const all = this.occurrences(value);
    const free = all.filter((s) => !taken.has(key(s)));
    for (const pool of [free, all]) {
      const after = pool.find((s) => s.start >= anchor);
      if (after) return after;
      const before = pool.filter((s) => s.start < anchor).pop();
      if (before) return before;
    }
    return null;
  }

  /** The places of the value that lie wholly inside `range`, in note order. */
  within(value: string, range: TextRange): Span[] {
    return this.occurrences(value).filter((s) => s.start >= range.start && s.end <= range.end);
  }

  /** Every place a verbatim quote of the note occurs (see the class comment for how loosely), in note order. */
  quotePlaces(quote: string): TextRange[] {
    const needle = quote.trim();
    if (needle.length === 0) return [];
    let found = this.quoteCache.get(needle);
    if (!found) {
      const words = needle.match(WORD_RUN) ?? [];
      const strategies = literalStrategies(needle);
      if (words.length > 0) strategies.push(new RegExp(words.join(`${NON_WORD}+`), 'giu'));
      found = this.search(strategies, false).map(({ start, end }) => ({ start, end }));
      this.quoteCache.set(needle, found);
    }
    return found;
  }

  private search(strategies: readonly RegExp[], preferWords: boolean): Span[] {
    for (const re of strategies) {
      const hits: Span[] = [];
      for (let m = re.exec(this.text); m !== null; m = re.exec(this.text)) {
        const start = m.index;
        const end = start + m[0].length;
        if (m[0].length > 0 && !this.excluded.some((r) => start < r.end && end > r.start)) {
          hits.push({ text: m[0], start, end });
        }
        re.lastIndex = start + 1;
      }
      if (hits.length > 0) {
        if (!preferWords) return hits;
        const bounded = hits.filter((s) => this.atWordBoundaries(s));
        return bounded.length > 0 ? bounded : hits;
      }
    }
    return [];
  }

  private atWordBoundaries(s: Span): boolean {
    const before = s.start > 0 ? this.text[s.start - 1]! : ' ';
    const after = s.end < this.text.length ? this.text[s.end]! : ' ';
    const first = s.text[0]!;
    const last = s.text[s.text.length - 1]!;
    const word = /[\p{L}\p{N}]/u;
    return !(word.test(before) && word.test(first)) && !(word.test(after) && word.test(last));
  }
}

const WORD_RUN = /[\p{L}\p{N}]+/gu;
const NON_WORD = '[^\\p{L}\\p{N}]';

function literalStrategies(needle: string): RegExp[] {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [new RegExp(escaped, 'g'), new RegExp(escaped, 'gi'), new RegExp(escaped.replace(/\s+/g, '\\s+'), 'gi')];
}

export function key(span: Span): string {
  return `${span.start}:${span.end}`;
}
