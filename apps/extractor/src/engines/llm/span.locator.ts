import type { Span } from '#schemas';
import type { TextRange } from './instruction-passages.js';

/**
 * Finds the values a model returned in the note, to give them spans (the model returns values only: offsets are
 * the engine's job, because models count characters badly). Matching is exact first, then case-insensitive, then
 * with any run of whitespace standing for any other; within the first strategy that finds something, places at
 * word boundaries win. Places inside excluded ranges (passages addressed to an AI) never count.
 */
export class SpanLocator {
  private readonly cache = new Map<string, Span[]>();

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
      found = this.search(needle);
      this.cache.set(needle, found);
    }
    return found;
  }

  /** The first place at or after `from`; else the first anywhere (the model may list things out of note order). */
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

  private search(needle: string): Span[] {
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const strategies = [
      new RegExp(escaped, 'g'),
      new RegExp(escaped, 'gi'),
      new RegExp(escaped.replace(/\s+/g, '\\s+'), 'gi'),
    ];
    for (const re of strategies) {
      const hits: Span[] = [];
      for (let m = re.exec(this.text); m !== null; m = re.exec(this.text)) {
        const start = m.index;
        const end = start + m[0].length;
        if (!this.excluded.some((r) => start < r.end && end > r.start)) hits.push({ text: m[0], start, end });
        re.lastIndex = start + 1;
      }
      if (hits.length > 0) {
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

export function key(span: Span): string {
  return `${span.start}:${span.end}`;
}
