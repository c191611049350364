import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectCorpusDrugNames, LEXICON_SPLITS, renderCorpusDrugNames } from '../../scripts/corpus-drug-names.js';
import { CORPUS_DRUG_NAMES } from './corpus-drug-names.data.js';
import { lexiconSource } from './drug-lexicon.js';
import { findDrugMentions } from './drug-mentions.js';

const CORPUS = fileURLToPath(new URL('../../../../data/corpus/', import.meta.url));
const DATA = fileURLToPath(new URL('./corpus-drug-names.data.ts', import.meta.url));

describe('drug lexicon', () => {
  it('is the drug table plus the train and tune annotations, regenerated exactly (never held-out)', () => {
    // Fails when the data file is stale or was built from anything but train and tune.
    expect(readFileSync(DATA, 'utf8')).toBe(
      renderCorpusDrugNames(collectCorpusDrugNames(CORPUS, LEXICON_SPLITS), LEXICON_SPLITS),
    );
    expect(CORPUS_DRUG_NAMES.length).toBeGreaterThan(50);
    for (const [, train, tune] of CORPUS_DRUG_NAMES) expect(train + tune).toBeGreaterThan(0);
  });

  it('says where a name comes from: the table, the corpus, or nowhere', () => {
    expect(lexiconSource('Lasix')).toBe('table');
    expect(lexiconSource('Toprol-XL')).toBe('table');
    expect(lexiconSource('Marcaine')).toBe('corpus');
    expect(lexiconSource('Betadine solution')).toBe('corpus');
    for (const word of ['acid', 'breakfast', 'Peri-', 'pericapsular']) expect(lexiconSource(word)).toBeNull();
  });

  it('finds drug names in text as a second opinion, leaving out words that are usually not drugs', () => {
    const text = 'Given 2 mL of Marcaine and Lasix. She is well versed in this; potassium 4.1.';
    expect(findDrugMentions(text).map((m) => m.text)).toEqual(['Marcaine', 'Lasix']);
    for (const m of findDrugMentions(text)) expect(text.slice(m.start, m.end)).toBe(m.text);
  });
});
