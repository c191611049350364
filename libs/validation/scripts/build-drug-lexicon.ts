/**
 * Writes `libs/validation/src/lexicon/corpus-drug-names.data.ts` from the train and tune splits of data/corpus
 * (see corpus-drug-names.ts). `libs/validation/src/lexicon/drug-lexicon.spec.ts` fails when the file is stale.
 *
 *   npx tsx --conditions=clinex-source libs/validation/scripts/build-drug-lexicon.ts [--splits train,tune]
 *
 * `--splits train` builds the lexicon without the tune split, to measure the lexicon check on tune honestly (the
 * figure in apps/validator/src/checks/README.md); run it again without the option before committing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  collectCorpusDrugNames,
  LEXICON_SPLITS,
  renderCorpusDrugNames,
  type LexiconSplit,
} from './corpus-drug-names.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = join(ROOT, 'libs', 'validation', 'src', 'lexicon', 'corpus-drug-names.data.ts');

const { values } = parseArgs({ options: { splits: { type: 'string', default: LEXICON_SPLITS.join(',') } } });
const splits = values.splits.split(',');
for (const s of splits) {
  if (!(LEXICON_SPLITS as readonly string[]).includes(s)) {
    throw new Error(`--splits: only ${LEXICON_SPLITS.join(' and ')} may be read`);
  }
}
const rows = collectCorpusDrugNames(join(ROOT, 'data', 'corpus'), splits as LexiconSplit[]);
writeFileSync(OUT, renderCorpusDrugNames(rows, splits as LexiconSplit[]));
process.stdout.write(`wrote ${rows.length} corpus drug names to ${OUT}\n`);
