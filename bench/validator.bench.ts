import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ClinicalExtractionSchema, compileContract } from '#schemas';
import { validateExtraction } from '#validation';
import {
  loadGoldExtractions,
  syntheticExtractions,
  type NoteWithExtraction,
} from '../test/validator/support/gold-extraction.js';

/**
 * Validator throughput: full validation (schema + content checks) against a schema-only baseline measured in the
 * same run, on the gold-derived extractions (generated ones when ../shared is absent) and on generated 20-entry notes.
 *
 *   npx tsx --conditions=clinex-source bench/validator.bench.ts [--out bench/results/validator.json]
 *
 * Figures are steady state: normalisers memoise repeated sig texts ("daily", "b.i.d."), as they do in the service.
 */

const WARMUP_MS = 300;
const MEASURE_MS = 1500;

interface Measurement {
  validationsPerSecond: number;
  microsecondsPerNote: number;
}

function measure(notes: readonly NoteWithExtraction[], validate: (note: NoteWithExtraction) => string): Measurement {
  let sink = 0;
  const runFor = (ms: number): { count: number; ns: bigint } => {
    const start = process.hrtime.bigint();
    const budget = BigInt(ms) * 1_000_000n;
    let count = 0;
    while (process.hrtime.bigint() - start < budget) {
      for (const note of notes) sink += validate(note).length;
      count += notes.length;
    }
    return { count, ns: process.hrtime.bigint() - start };
  };
  runFor(WARMUP_MS);
  const { count, ns } = runFor(MEASURE_MS);
  if (sink === 0) throw new Error('benchmark produced no results');
  const seconds = Number(ns) / 1e9;
  return { validationsPerSecond: count / seconds, microsecondsPerNote: (seconds * 1e6) / count };
}

const checkSchema = compileContract(ClinicalExtractionSchema);
const full = (n: NoteWithExtraction): string => validateExtraction(n.text, n.extraction).status;
const schemaOnly = (n: NoteWithExtraction): string => (checkSchema(n.extraction).ok ? 'ok' : 'invalid');

const gold = loadGoldExtractions();
const sets: { name: string; notes: NoteWithExtraction[] }[] = [
  gold
    ? { name: 'gold-derived (medication-gold-dev)', notes: gold }
    : { name: 'generated (../shared absent), 11 meds/note', notes: syntheticExtractions(20, 11) },
  { name: 'generated, 20 meds/note', notes: syntheticExtractions(50, 20) },
];

const results = sets.map(({ name, notes }) => {
  const meds = notes.reduce((s, n) => s + n.extraction.medications.length, 0);
  const validation = measure(notes, full);
  const baseline = measure(notes, schemaOnly);
  return {
    set: name,
    notes: notes.length,
    medicationsPerNote: Number((meds / notes.length).toFixed(1)),
    full: validation,
    schemaOnly: baseline,
    ratioFullToSchemaOnly: validation.microsecondsPerNote / baseline.microsecondsPerNote,
  };
});

const row = (cells: readonly string[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(44) : c.padStart(16))).join('');
console.log(row(['set', 'meds/note', 'full µs/note', 'full val/s', 'schema µs/note', 'ratio']));
for (const r of results) {
  console.log(
    row([
      r.set,
      r.medicationsPerNote.toFixed(1),
      r.full.microsecondsPerNote.toFixed(1),
      Math.round(r.full.validationsPerSecond).toLocaleString('en-US'),
      r.schemaOnly.microsecondsPerNote.toFixed(1),
      `${r.ratioFullToSchemaOnly.toFixed(1)}x`,
    ]),
  );
}
const report = { benchmark: 'validator', node: process.version, measuredAt: new Date().toISOString(), results };
const { values } = parseArgs({ options: { out: { type: 'string' } } });
if (values.out) {
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${values.out}`);
} else {
  console.log(`\n${JSON.stringify(report)}`);
}
