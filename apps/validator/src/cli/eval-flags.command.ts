import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateExtraction } from '#validation';
import {
  buildReport,
  formatReport,
  labelNote,
  type EvaluatedNote,
  type FlagEvalScoring,
  type FlagReport,
  type LabelledItem,
  type ScoredNoteShape,
} from '../flag-eval/flag-evaluation.js';
import { CliInputError } from './cli-input.error.js';
import { readJsonl } from './jsonl.reader.js';
import type { CommandIo } from './validate.command.js';

/**
 * `clinex eval-flags`: how well the validator's flags find an engine's real errors. Runs an engine over one split of
 * the annotated corpus (or reads extractions already written), validates every output with the shared validation,
 * labels each predicted item right or wrong with `clinex eval`'s matching, and reports per field and per check.
 *
 * The corpus reader, the scoring and the engine runner belong to the extractor; the CLI's composition root
 * (tools/cli/clinex.ts) hands them in, so the validator app imports nothing from another app.
 */

export const EVAL_FLAGS_USAGE = `Usage: clinex eval-flags --gold data/corpus --split train|tune|held-out [--pred extractions.jsonl]
       [--engine bert-ner|llm|none] [--model DIR] [--precision auto|fp32|int8] [--json report.json] [--details items.jsonl]

  --gold       the annotated corpus folder (data/corpus)
  --split      which split to measure
  --pred       extractions already written by \`clinex extract\` for that split; without it the engine runs
  --engine, --model, --precision   passed to \`clinex extract\` when the engine runs (default bert-ner, bundled model)
  --json       also write the report as JSON to this file
  --details    one line per predicted item (note id, pointer, field, right or wrong, flag codes; no text or values);
               refused for held-out, which is measured, never read item by item

Prints the per-field and per-check tables, then the report as JSON.`;

/** The corpus reader of apps/extractor/src/cli/annotated-corpus.ts, as this command uses it. */
export interface CorpusReader<S extends string> {
  isCorpusDir(path: string): boolean;
  parseSplit(value: string | undefined): S;
  corpusAnnotations(dir: string, split: S): Record<string, unknown>[];
  corpusNotes(dir: string, split: S): { id: string; text: string }[];
}

export interface EvalFlagsDeps<S extends string, M, N extends ScoredNoteShape> {
  readonly corpus: CorpusReader<S>;
  readonly scoring: FlagEvalScoring<M, N>;
  /** `clinex extract` with its arguments; resolves to its exit status. */
  readonly extract: (args: string[]) => Promise<number>;
}

export interface EvalFlagsOptions {
  readonly gold: string;
  readonly split: string;
  readonly pred?: string;
  readonly engine: string;
  readonly model?: string;
  readonly precision?: string;
  readonly json?: string;
  readonly details?: string;
}

export interface EvalFlagsResult {
  readonly split: string;
  /** `engine:<name>` when the engine ran, `pred:<file>` when extractions were read. */
  readonly source: string;
  readonly report: FlagReport;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readPredictions(file: string): Promise<Map<string, Json | null>> {
  const out = new Map<string, Json | null>();
  for await (const { lineNumber, value } of readJsonl(file, '--pred')) {
    if (!isObj(value) || typeof value['noteId'] !== 'string') {
      throw new CliInputError(`--pred line ${lineNumber}: no string "noteId"`);
    }
    // A line `{noteId, failure}` is an engine failure, written so that no note silently disappears.
    out.set(value['noteId'], 'failure' in value && !('medications' in value) ? null : value);
  }
  return out;
}

async function runEngine(
  extract: (args: string[]) => Promise<number>,
  options: EvalFlagsOptions,
  io: CommandIo,
): Promise<Map<string, Json | null>> {
  const dir = mkdtempSync(join(tmpdir(), 'clinex-eval-flags-'));
  try {
    const output = join(dir, 'extractions.jsonl');
    const args = ['--engine', options.engine, '--input', options.gold, '--split', options.split, '--output', output];
    if (options.model) args.push('--model', options.model);
    if (options.precision) args.push('--precision', options.precision);
    args.push('--quiet');
    const status = await extract(args);
    if (status !== 0) throw new CliInputError(`the ${options.engine} engine failed (clinex extract exit ${status})`);
    io.stderr(`ran ${options.engine} over the ${options.split} split\n`);
    return await readPredictions(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the measurement; writes nothing but the optional --json and --details files. */
export async function evaluateFlags<S extends string, M, N extends ScoredNoteShape>(
  deps: EvalFlagsDeps<S, M, N>,
  options: EvalFlagsOptions,
  io: CommandIo,
): Promise<EvalFlagsResult> {
  const { corpus } = deps;
  if (!corpus.isCorpusDir(options.gold))
    throw new CliInputError(`--gold is not an annotated corpus folder: ${options.gold}`);
  let split: S;
  try {
    split = corpus.parseSplit(options.split);
  } catch (error) {
    throw new CliInputError(error instanceof Error ? error.message : String(error));
  }
  if (options.details && split === 'held-out') {
    throw new CliInputError('--details is refused for held-out: that split is measured, never read item by item');
  }
  const annotations = corpus.corpusAnnotations(options.gold, split);
  const texts = new Map(corpus.corpusNotes(options.gold, split).map((n) => [n.id, n.text]));
  const predictions = options.pred ? await readPredictions(options.pred) : await runEngine(deps.extract, options, io);

  const notes: EvaluatedNote[] = [];
  const items: LabelledItem[] = [];
  for (const gold of annotations) {
    const id = String(gold['id']);
    const text = texts.get(id);
    if (text === undefined)
      throw new CliInputError(`note ${id} of the ${split} split has no text in the corpus source`);
    const extraction = predictions.get(id) ?? null;
    const note: EvaluatedNote = {
      id,
      gold,
      extraction,
      outcome: extraction === null ? null : validateExtraction(text, extraction),
    };
    notes.push(note);
    items.push(...labelNote(deps.scoring, note));
  }
  const report = buildReport(notes, items);
  if (options.details) {
    writeFileSync(options.details, items.map((i) => JSON.stringify(i)).join('\n') + (items.length > 0 ? '\n' : ''));
  }
  return { split, source: options.pred ? `pred:${options.pred}` : `engine:${options.engine}`, report };
}

function parseEvalFlagsArgs(args: readonly string[]): EvalFlagsOptions | 'help' {
  let values: Partial<
    Record<'gold' | 'split' | 'pred' | 'engine' | 'model' | 'precision' | 'json' | 'details', string>
  > & {
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        gold: { type: 'string' },
        split: { type: 'string' },
        pred: { type: 'string' },
        engine: { type: 'string' },
        model: { type: 'string' },
        precision: { type: 'string' },
        json: { type: 'string' },
        details: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliInputError(`${error instanceof Error ? error.message : String(error)}\n\n${EVAL_FLAGS_USAGE}`);
  }
  if (values.help) return 'help';
  if (!values.gold || !values.split) throw new CliInputError(`--gold and --split are required\n\n${EVAL_FLAGS_USAGE}`);
  return {
    gold: values.gold,
    split: values.split,
    engine: values.engine ?? 'bert-ner',
    ...(values.pred ? { pred: values.pred } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(values.precision ? { precision: values.precision } : {}),
    ...(values.json ? { json: values.json } : {}),
    ...(values.details ? { details: values.details } : {}),
  };
}

/** The registry entry, given the extractor's corpus reader, scoring and engine runner by the composition root. */
export function createEvalFlagsCommand<S extends string, M, N extends ScoredNoteShape>(deps: EvalFlagsDeps<S, M, N>) {
  return {
    summary: "how well validator flags find an engine's real errors on an annotated split (per field, per check)",
    usage: EVAL_FLAGS_USAGE,
    async run(args: readonly string[], io: CommandIo): Promise<number> {
      const options = parseEvalFlagsArgs(args);
      if (options === 'help') {
        io.stdout(`${EVAL_FLAGS_USAGE}\n`);
        return 0;
      }
      const result = await evaluateFlags(deps, options, io);
      const json = JSON.stringify(result, null, 2);
      io.stdout(`${formatReport(result.report)}\n\n${json}\n`);
      if (options.json) writeFileSync(options.json, `${json}\n`);
      return 0;
    },
  };
}
