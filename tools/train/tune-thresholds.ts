// Tunes the NER engine's per-field confidence thresholds on the annotated corpus's tune split and writes them into
// the model dir's config.json (`clinex.min_confidence`), which the engine applies before assembling an extraction.
//
//   node --conditions=clinex-source --import tsx tools/train/tune-thresholds.ts --model models/clinex-bert-ner
//
// Only the tune split is read (the held-out split is measured, never tuned on; data/corpus/README.md). The objective
// is the sum of the F1 of every scored field (medication name and name+dose/frequency/route, problems relaxed, labs,
// follow-ups, age, sex), so a threshold that helps one field by hurting another is not taken. Coordinate ascent: each
// field's threshold in turn over a grid, two passes, a change kept only when it raises the objective by more than
// 0.002 (one entity more or less on a small split should not move a threshold).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { emptyExtraction } from '#schemas';
import { BertNerEngine } from '../../apps/extractor/src/engines/bert-ner/bert-ner.engine.js';
import { bertNerOptionsFromEnv } from '../../apps/extractor/src/engines/bert-ner/bert-ner.options.js';
import type { EntitySpan } from '../../apps/extractor/src/engines/bert-ner/bio.decoder.js';
import { decodeExtraction } from '../../apps/extractor/src/engines/bert-ner/entity.decoding.js';
import {
  ENTITY_TARGETS,
  loadModelDir,
  type EntityTarget,
} from '../../apps/extractor/src/engines/bert-ner/model-dir.loader.js';
import { corpusAnnotations, corpusNotes } from '../../apps/extractor/src/cli/annotated-corpus.js';
import { scoreContract, toScoredNote, type ScoredNote } from '../../apps/extractor/src/cli/contract.scoring.js';
import { scoreMedications, type ScoredMedication } from '../../apps/extractor/src/cli/medication.scoring.js';
import { toScored } from '../../apps/extractor/src/cli/eval.command.js';

const GRID = [0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
const MIN_GAIN = 0.002;

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/clinex-bert-ner' },
    corpus: { type: 'string', default: 'data/corpus' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const modelDir = resolve(values.model);
const corpus = resolve(values.corpus);

const notes = corpusNotes(corpus, 'tune');
const goldMeds = new Map<string, ScoredMedication[]>();
const goldContract = new Map<string, ScoredNote>();
for (const a of corpusAnnotations(corpus, 'tune')) {
  const id = String(a['id']);
  goldMeds.set(
    id,
    ((a['medications'] as unknown[]) ?? []).map(toScored).filter((m) => m !== null),
  );
  goldContract.set(id, toScoredNote(a));
}

const engine = await BertNerEngine.create({
  ...bertNerOptionsFromEnv({}, modelDir),
  modelDir,
  modelPrecision: 'fp32',
  log: () => undefined,
});
const { drugLexicon } = loadModelDir(modelDir);
const found = new Map<string, { text: string; entities: EntitySpan[] }>();
for (const n of notes) found.set(n.id, { text: n.text, entities: (await engine.findEntities(n.text)).entities });
await engine.close();

function objective(min: Partial<Record<EntityTarget, number>>): { total: number; parts: Record<string, number> } {
  const predMeds = new Map<string, ScoredMedication[]>();
  const predContract = new Map<string, ScoredNote>();
  for (const [id, { text, entities }] of found) {
    const x = {
      ...emptyExtraction(id, { name: 'bert-ner', model: 'tune', version: '0' }),
      ...decodeExtraction(text, entities, { minConfidence: min, drugLexicon }),
    };
    predMeds.set(
      id,
      x.medications.map(toScored).filter((m) => m !== null),
    );
    predContract.set(id, toScoredNote(x));
  }
  const meds = scoreMedications(goldMeds, predMeds).scores;
  const contract = scoreContract(goldContract, predContract).scores;
  const parts: Record<string, number> = {};
  for (const [k, v] of Object.entries(meds)) parts[`medication ${k}`] = v.f1;
  for (const [k, v] of Object.entries(contract)) if (k !== 'problems_exact' && v) parts[k] = v.f1;
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

const min: Partial<Record<EntityTarget, number>> = {};
let best = objective(min);
const start = best;
for (let pass = 0; pass < 2; pass++) {
  for (const target of ENTITY_TARGETS) {
    for (const t of GRID) {
      const r = objective({ ...min, [target]: t });
      if (r.total > best.total + MIN_GAIN) {
        best = r;
        if (t === 0) delete min[target];
        else min[target] = t;
      }
    }
  }
}

const fmt = (r: typeof best) =>
  Object.entries(r.parts)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', ');
process.stdout.write(
  `tune split, ${notes.length} notes\nwithout thresholds: ${fmt(start)}\nwith thresholds:    ${fmt(best)}\n`,
);
process.stdout.write(`min_confidence ${JSON.stringify(min)}\n`);
if (!values['dry-run']) {
  const path = join(modelDir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as { clinex?: Record<string, unknown> };
  config.clinex = {
    ...(config.clinex ?? {}),
    min_confidence: min,
    min_confidence_tuned_on: 'data/corpus tune split',
  };
  writeFileSync(path, JSON.stringify(config, null, 1) + '\n');
  process.stdout.write(`written to ${path}\n`);
}
