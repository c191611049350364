import { compactText } from '#clinical';

// A sentence ends at a line break, or at . ! ? followed by a capital, unless the period closes a dotted
// abbreviation ("p.o.", "b.i.d.", "q.d."), which in sigs is routinely followed by a capitalised next drug or word.
const BOUNDARY_RE = /\n|(?<!\.[A-Za-z])[.!?](?=[\s,]*[A-Z])/g;

/**
 * The note as the checks need it, computed at most once per validation and only when a check asks: a compact
 * (lower-case, whitespace-free) copy for grounding values without spans, and sentence boundaries for the probe.
 */
export class NoteText {
  private compact: string | undefined;
  private boundaries: number[] | undefined;

  constructor(readonly text: string) {}

  get length(): number {
    return this.text.length;
  }

  /** Whether a fragment occurs anywhere in the note, ignoring case and whitespace. */
  contains(fragment: string): boolean {
    const needle = compactText(fragment);
    if (needle === '') return false;
    this.compact ??= compactText(this.text);
    return this.compact.includes(needle);
  }

  /** Whether a sentence or line boundary lies in [from, to). */
  hasBoundaryBetween(from: number, to: number): boolean {
    const boundaries = (this.boundaries ??= this.findBoundaries());
    // Binary search for the first boundary at or after `from`.
    let lo = 0;
    let hi = boundaries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (boundaries[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < boundaries.length && boundaries[lo]! < to;
  }

  private findBoundaries(): number[] {
    const found: number[] = [];
    BOUNDARY_RE.lastIndex = 0;
    for (let m = BOUNDARY_RE.exec(this.text); m !== null; m = BOUNDARY_RE.exec(this.text)) found.push(m.index);
    return found;
  }
}
