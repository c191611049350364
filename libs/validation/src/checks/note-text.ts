import { compactText, sentenceEndsBetween, splitSentences, type Sentence } from '#clinical';

/**
 * The note as the checks need it, computed at most once per validation and only when a check asks: a compact
 * (lower-case, whitespace-free) copy for grounding values without spans, and its sentences (the splitter the NER
 * engine attaches by, so a check asks "another sentence?" exactly as the engine decided it).
 */
export class NoteText {
  private compact: string | undefined;
  private sentences: Sentence[] | undefined;

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

  /** Whether a sentence ends between `from` and `to`: the two positions lie in different sentences. */
  hasBoundaryBetween(from: number, to: number): boolean {
    return sentenceEndsBetween((this.sentences ??= splitSentences(this.text)), from, to);
  }
}
