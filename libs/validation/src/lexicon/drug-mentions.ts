import type { Span } from '#schemas';
import { lexiconSource } from './drug-lexicon.js';

/**
 * A rule tagger's second opinion on where drug names are: every word of the note (hyphenated words whole,
 * "Depo-Medrol") that the drug lexicon knows. Costs microseconds; used by the reversal probe to notice an attribute
 * that sits beside a drug the extraction does not list.
 */

const WORD_RE = /[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*/g;
// Short words are too often abbreviations of something else ("ASA monitors", "PCA").
const MIN_LENGTH = 4;
// Drug names that are everyday words when written in lower case ("well versed"), and electrolytes that are labs.
const LOWER_CASE_WORDS: ReadonlySet<string> = new Set([
  'versed',
  'potassium',
  'sodium',
  'calcium',
  'magnesium',
  'iron',
]);

export function findDrugMentions(text: string): Span[] {
  const found: Span[] = [];
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(text); m !== null; m = WORD_RE.exec(text)) {
    const word = m[0];
    if (word.length < MIN_LENGTH) continue;
    if (LOWER_CASE_WORDS.has(word.toLowerCase())) continue;
    if (lexiconSource(word) !== null) found.push({ text: word, start: m.index, end: m.index + word.length });
  }
  return found;
}
