import { boundedMemo, drugNameKey, findDrug, isTableName } from '#clinical';
import { CORPUS_DRUG_NAMES } from './corpus-drug-names.data.js';

/**
 * The drug lexicon the name checks look names up in: the project's drug table (`#clinical`, generic names, brands
 * and synonyms) plus the names annotated in the train and tune splits of the annotated corpus that the table lacks
 * (`corpus-drug-names.data.ts`, written by `libs/validation/scripts/build-drug-lexicon.ts`). Never the held-out split.
 */

export type LexiconSource = 'table' | 'corpus';

const CORPUS_KEYS: ReadonlySet<string> = new Set(CORPUS_DRUG_NAMES.map(([name]) => name));
// A word shorter than this is not looked up on its own ("d10" is, "d" is not).
const MIN_WORD_LENGTH = 3;
const SPACES_RE = /\s+/;

function sourceUncached(name: string): LexiconSource | null {
  if (findDrug(name) !== null) return 'table';
  const key = drugNameKey(name);
  if (key === '') return null;
  if (CORPUS_KEYS.has(key)) return 'corpus';
  // "Betadine solution", "Marcaine plain": a written name that holds a corpus name as one of its words.
  const words = key.split(SPACES_RE);
  return words.length > 1 && words.some((w) => w.length >= MIN_WORD_LENGTH && CORPUS_KEYS.has(w)) ? 'corpus' : null;
}

/** Where the lexicon knows a drug name from; null when it does not. */
export const lexiconSource: (name: string) => LexiconSource | null = boundedMemo(sourceUncached);

export const CORPUS_LEXICON_SIZE = CORPUS_KEYS.size;

/** Whether the text is, word for word, a name the lexicon holds (not merely one that contains or reduces to one). */
export function isLexiconName(text: string): boolean {
  return isTableName(text) || CORPUS_KEYS.has(drugNameKey(text));
}
