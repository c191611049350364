// Turns silver-tagger spans (silver_dump.py output) into extractions with the engine's own assembler, so the
// rules-only baseline and the model are scored by the same `clinex eval`.
//   npx tsx --conditions=clinex-source tools/train/rules-baseline.ts spans.jsonl extractions.jsonl
import { readFileSync, writeFileSync } from 'node:fs';
import { emptyExtraction } from '#schemas';
import type { EntitySpan } from '../../apps/extractor/src/engines/bert-ner/bio.decoder.js';
import { assembleExtraction } from '../../apps/extractor/src/engines/bert-ner/extraction.assembler.js';
import type { EntityTarget } from '../../apps/extractor/src/engines/bert-ner/model-dir.loader.js';

const mapping = JSON.parse(readFileSync(new URL('./clinex-labels.json', import.meta.url), 'utf8')) as {
  entities: Record<string, EntityTarget>;
};
const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: rules-baseline.ts spans.jsonl extractions.jsonl');
const lines: string[] = [];
for (const line of readFileSync(input, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const doc = JSON.parse(line) as { id: string; text: string; spans: [number, number, string][] };
  const entities: EntitySpan[] = doc.spans.map(([start, end, type]) => ({
    type,
    target: mapping.entities[type]!,
    start,
    end,
    confidence: 1,
  }));
  const x = {
    ...emptyExtraction(doc.id, { name: 'rules', model: 'silver-tagger', version: '1' }),
    ...assembleExtraction(doc.text, entities),
  };
  lines.push(JSON.stringify(x));
}
writeFileSync(output, lines.join('\n') + '\n');
