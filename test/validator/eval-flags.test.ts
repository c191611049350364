import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as corpus from '../../apps/extractor/src/cli/annotated-corpus.js';
import { scoreContract, toScoredNote } from '../../apps/extractor/src/cli/contract.scoring.js';
import { toScored } from '../../apps/extractor/src/cli/eval.command.js';
import { runExtract } from '../../apps/extractor/src/cli/extract.command.js';
import { noteKeys } from '../../apps/extractor/src/cli/medication.scoring.js';
import { CliInputError } from '../../apps/validator/src/cli/cli-input.error.js';
import { evaluateFlags } from '../../apps/validator/src/cli/eval-flags.command.js';
import type { FlagReport, ItemField } from '../../apps/validator/src/flag-eval/flag-evaluation.js';

/**
 * `clinex eval-flags`: the measurement on a small corpus written for the test (real scoring, real validation), and
 * the floors on the held-out split of the annotated corpus with the bundled NER model, through the CLI as a process
 * (onnxruntime-node's tensors do not survive Jest's VM context).
 */

/**
 * Held-out floors, a little below what was measured with the bundled model. models/clinex-bert-ner 0.2.0
 * (2026-12-03): medications 0.658 of wrong ones flagged at 0.051 of correct ones flagged, problems 0.433 at 0.017,
 * 0.35 of notes to review; 0.3.0 (landed the same day): medications 0.640 at 0.041, problems 0.190 at 0.027, 0.70 of
 * notes to review. With the span, attachment, lab and follow-up checks of 2026-12-04 (written from train and tune
 * errors, then measured on held-out; the lab cut rule and the follow-up split rule were then corrected for two LLM test
 * notes, not for held-out errors): medications 0.686 at 0.051, labs 0.375 at 0.081, follow-ups 0.444 at 0.000, problems unchanged, 0.70 of notes to review. 0.4.0 (2026-12-04, trained on 920
 * corpus notes, with the shared sentence splitter): medications 0.638 (30 of 47) at 0.057, problems 0.171 at 0.021,
 * labs 0.267 (4 of 15) at 0.125, follow-ups 0.500 (2 of 4) at 0.034, 0.65 of notes to review. The model makes fewer
 * errors to catch (47 wrong medications of 275; 0.3.0: 51 of 267), so a few items move these rates a lot. The lead re-measures after a model change
 * (`clinex eval-flags --gold data/corpus --split held-out`) and sets these.
 */
const HELD_OUT_FLOORS: Readonly<
  Partial<Record<ItemField, { minRecall: number; maxFalseFlagRate: number }>> & { maxShareToReview: number }
> = {
  medication: { minRecall: 0.6, maxFalseFlagRate: 0.08 },
  problem: { minRecall: 0.15, maxFalseFlagRate: 0.04 },
  lab: { minRecall: 0.2, maxFalseFlagRate: 0.16 },
  follow_up: { minRecall: 0.25, maxFalseFlagRate: 0.1 },
  maxShareToReview: 0.72,
};

const REPO = process.cwd();
// Wired as tools/cli/clinex.ts wires the command.
const deps = {
  corpus,
  scoring: { toScoredMedication: toScored, medicationKeys: noteKeys, toScoredNote, scoreContract },
  extract: runExtract,
};
const quiet = { stdout: () => undefined, stderr: () => undefined };

const NOTE_A = 'MEDICATIONS: Lasix 40 mg daily. Warfarin 2.5 mg daily. Colposcopy with acetic acid. Chest pain.';
const NOTE_B = 'Plan: aspirin 81 mg daily.';
const at = (text: string, piece: string) => {
  const start = text.indexOf(piece);
  return { text: piece, start, end: start + piece.length };
};

let dir: string;
let corpusDir: string;

beforeAll(() => {
  // The corpus reader finds note texts at <corpus>/../../../<manifest source>, as in the checkout.
  dir = mkdtempSync(join(tmpdir(), 'clinex-eval-flags-'));
  corpusDir = join(dir, 'w', 'data', 'corpus');
  mkdirSync(join(corpusDir, 'annotations'), { recursive: true });
  mkdirSync(join(dir, 'notes'), { recursive: true });
  writeFileSync(
    join(corpusDir, 'manifest.json'),
    JSON.stringify({ source: 'notes/notes.jsonl', split: { a: 'tune', b: 'tune', c: 'held-out' } }),
  );
  writeFileSync(
    join(dir, 'notes', 'notes.jsonl'),
    [
      { id: 'a', text: NOTE_A },
      { id: 'b', text: NOTE_B },
      { id: 'c', text: 'Nothing.' },
    ]
      .map((n) => JSON.stringify(n))
      .join('\n') + '\n',
  );
  const gold = (text: string, name: string, dose: string, value: number) => ({
    name: at(text, name),
    dose: at(text, dose),
    dose_value: value,
    dose_unit: 'mg',
    frequency: at(text, 'daily'),
    route: null,
  });
  writeFileSync(
    join(corpusDir, 'annotations', 'b01.jsonl'),
    [
      {
        id: 'a',
        medications: [gold(NOTE_A, 'Lasix', '40 mg', 40), gold(NOTE_A, 'Warfarin', '2.5 mg', 2.5)],
        diagnoses: [],
        symptoms: [at(NOTE_A, 'Chest pain')].map((s) => ({ ...s, negated: false })),
        labs: [],
        followUps: [],
      },
      { id: 'b', medications: [gold(NOTE_B, 'aspirin', '81 mg', 81)] },
      { id: 'c', medications: [] },
    ]
      .map((a) => JSON.stringify(a))
      .join('\n') + '\n',
  );
  // The engine's output: Lasix right; Warfarin's dose cut ("5 mg" of "2.5 mg"); "acid" is no drug; the problem cut in
  // two ("Chest" matches the gold, "pain" is the second piece); note b has no prediction (an engine failure).
  const med = (text: string, name: string, dose: string | null, value: number | null, confidence = 0.9) => ({
    name: { text: name, span: at(text, name) },
    dose: dose === null ? null : { text: dose, span: at(text, dose), value, unit: 'mg' },
    frequency: null,
    route: null,
    status: 'current',
    confidence,
  });
  const extraction = {
    schemaVersion: 1,
    noteId: 'a',
    engine: { name: 'bert-ner', model: 'test', version: '1' },
    patient: { age: null, sex: { value: 'unknown', span: null } },
    medications: [
      med(NOTE_A, 'Lasix', '40 mg', 40),
      {
        ...med(NOTE_A, 'Warfarin', '2.5 mg', 2.5),
        dose: {
          text: '5 mg',
          span: { text: '5 mg', start: NOTE_A.indexOf('5 mg'), end: NOTE_A.indexOf('5 mg') + 4 },
          value: 5,
          unit: 'mg',
        },
      },
      med(NOTE_A, 'acid', null, null, 0.6),
    ],
    diagnoses: [],
    symptoms: [
      { ...at(NOTE_A, 'Chest'), negated: false },
      { ...at(NOTE_A, 'pain'), negated: false },
    ].map(({ text, start, end, negated }) => ({ text, span: { text, start, end }, negated })),
    labs: [],
    followUps: [],
  };
  writeFileSync(join(dir, 'pred.jsonl'), `${JSON.stringify(extraction)}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const field = (report: FlagReport, name: ItemField) => report.fields.find((f) => f.field === name)!;

describe('evaluateFlags', () => {
  it("labels each predicted item with eval's matching and counts the flags on it", async () => {
    const details = join(dir, 'items.jsonl');
    const { report } = await evaluateFlags(
      deps,
      { gold: corpusDir, split: 'tune', pred: join(dir, 'pred.jsonl'), engine: 'bert-ner', details },
      quiet,
    );
    expect(field(report, 'medication')).toMatchObject({
      items: 3,
      wrong: 2,
      wrongFlagged: 2,
      correct: 1,
      correctFlagged: 0,
    });
    expect(field(report, 'dose')).toMatchObject({ items: 2, wrong: 1, wrongFlagged: 1, correct: 1 });
    expect(field(report, 'problem')).toMatchObject({
      items: 2,
      wrong: 1,
      wrongFlagged: 1,
      correct: 1,
      correctFlagged: 0,
    });
    expect(report.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'DOSE_SPAN_CUT', field: 'medication', level: 'review', fired: 1, wrong: 1 }),
        expect.objectContaining({ code: 'NAME_NOT_IN_LEXICON', field: 'medication', level: 'review', wrong: 1 }),
        expect.objectContaining({ code: 'PROBLEM_SPLIT', field: 'problem', level: 'review', wrong: 1, correct: 0 }),
      ]),
    );
    // Note b had no prediction: an engine failure, which goes to review.
    expect(report.notes).toMatchObject({ notes: 2, sentToReview: 2, engineFailures: 1, withWrongItem: 1 });
    // Item lines name notes and pointers only: no note text, no extracted value.
    const lines = readFileSync(details, 'utf8');
    for (const secret of ['Warfarin', 'acid', 'Chest', '5 mg']) expect(lines).not.toContain(secret);
    expect(lines.trim().split('\n')).toHaveLength(report.fields.reduce((s, f) => s + f.items, 0));
  });

  it('runs an engine over the split when no extractions are given', async () => {
    const { report, source } = await evaluateFlags(deps, { gold: corpusDir, split: 'tune', engine: 'none' }, quiet);
    expect(source).toBe('engine:none');
    expect(report.notes).toMatchObject({ notes: 2, engineFailures: 0 });
    expect(field(report, 'medication').items).toBe(0);
  });

  it('refuses item-level details for held-out, and a folder that is not a corpus', async () => {
    await expect(
      evaluateFlags(deps, { gold: corpusDir, split: 'held-out', engine: 'none', details: join(dir, 'x.jsonl') }, quiet),
    ).rejects.toThrow(CliInputError);
    await expect(evaluateFlags(deps, { gold: dir, split: 'tune', engine: 'none' }, quiet)).rejects.toThrow(
      /not an annotated corpus/,
    );
  });
});

describe('clinex eval-flags on the held-out split with the bundled NER model', () => {
  it('meets the flag floors (HELD_OUT_FLOORS)', () => {
    const json = join(dir, 'held-out.json');
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=clinex-source',
        '--import',
        'tsx',
        join('tools', 'cli', 'clinex.ts'),
        'eval-flags',
        '--gold',
        join('data', 'corpus'),
        '--split',
        'held-out',
        '--json',
        json,
      ],
      { cwd: REPO, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 64 * 1024 * 1024 },
    );
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    const { report } = JSON.parse(readFileSync(json, 'utf8')) as { report: FlagReport };
    const measured: Record<string, unknown> = {};
    for (const [name, floor] of Object.entries(HELD_OUT_FLOORS)) {
      if (typeof floor === 'number') continue;
      const row = field(report, name as ItemField);
      measured[name] = { recall: row.recall, falseFlagRate: row.falseFlagRate };
      expect(row.wrong).toBeGreaterThan(0);
      expect(row.recall).toBeGreaterThanOrEqual(floor.minRecall);
      expect(row.falseFlagRate).toBeLessThanOrEqual(floor.maxFalseFlagRate);
    }
    const share = report.notes.sentToReview / report.notes.notes;
    console.log(`held-out flags: ${JSON.stringify(measured)}, notes to review ${share.toFixed(3)}`);
    expect(report.notes.notes).toBe(100);
    expect(share).toBeLessThanOrEqual(HELD_OUT_FLOORS.maxShareToReview);
  }, 180_000);
});
