import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { EngineInput, ExtractionEngine } from '../engines/extraction-engine.port.js';
import { llmEngineForCli, type LlmCliEngine } from '../engines/llm/llm-engine.cli.js';
import { NoneEngine } from '../engines/none.engine.js';
import { BertNerEngine } from '../engines/bert-ner/bert-ner.engine.js';
import { bertNerOptionsFromEnv, MODEL_PRECISIONS, type ModelPrecision } from '../engines/bert-ner/bert-ner.options.js';
import { openOutput, Progress, readNotes, repoRoot } from './cli-io.js';
import { corpusNotes, isCorpusDir, parseSplit } from './annotated-corpus.js';

const USAGE = `usage: clinex extract --engine bert-ner|llm|none --input notes.jsonl|note.txt|data/corpus|- --output extractions.jsonl|-
  [--split held-out|tune|train] (with a corpus folder: the annotated notes of that split, texts read from ../shared)
  [--model DIR] (bert-ner; default: env NER_MODEL_DIR, else models/clinex-bert-ner in the repo)
  [--variant NAME] (llm prompt variant; the endpoint comes from LLM_BASE_URL, LLM_API_KEY, LLM_MODEL, see README)
  [--device cpu|cuda] [--precision auto|fp32|int8] [--concurrency N] [--batch N] [--threads N] [--window N] [--stride N] [--quiet]
Input lines are {"id", "text"}; output lines are ClinicalExtraction objects, in input order.`;

const PROGRESS_MIN_NOTES = 20;

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
}

/** `clinex extract`: runs an engine over notes. Returns the process exit code. */
export async function runExtract(argv: string[]): Promise<number> {
  const args = argv[0] === 'extract' ? argv.slice(1) : argv;
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        engine: { type: 'string', default: 'bert-ner' },
        precision: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string', default: '-' },
        model: { type: 'string' },
        device: { type: 'string' },
        concurrency: { type: 'string' },
        batch: { type: 'string' },
        threads: { type: 'string' },
        window: { type: 'string' },
        stride: { type: 'string' },
        variant: { type: 'string' },
        split: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!values.input) {
    process.stderr.write(`--input is required\n${USAGE}\n`);
    return 2;
  }
  const log = (level: string, message: string): void => {
    if (!values.quiet || level !== 'info') process.stderr.write(`${message}\n`);
  };
  let engine: ExtractionEngine;
  let close: () => Promise<void> = () => Promise.resolve();
  let reportUsage: EngineInput['reportUsage'];
  let summary: (() => string) | undefined;
  try {
    if (values.engine === 'none') {
      engine = new NoneEngine();
    } else if (values.engine === 'bert-ner') {
      const fromEnv = bertNerOptionsFromEnv(process.env, resolve(repoRoot(), 'models', 'clinex-bert-ner'));
      const device = values.device ?? fromEnv.executionProvider;
      if (device !== 'cpu' && device !== 'cuda') throw new Error('--device must be cpu or cuda');
      const precision = values.precision ?? fromEnv.modelPrecision;
      if (precision !== undefined && !(MODEL_PRECISIONS as readonly string[]).includes(precision))
        throw new Error(`--precision must be one of ${MODEL_PRECISIONS.join(', ')}`);
      const ner = await BertNerEngine.create({
        ...fromEnv,
        modelDir: values.model ? resolve(values.model) : fromEnv.modelDir,
        executionProvider: device,
        modelPrecision: precision as ModelPrecision | undefined,
        maxBatchSize: int(values.batch, 'batch') ?? fromEnv.maxBatchSize,
        intraOpNumThreads: int(values.threads, 'threads') ?? fromEnv.intraOpNumThreads,
        windowTokens: int(values.window, 'window') ?? fromEnv.windowTokens,
        strideTokens: int(values.stride, 'stride') ?? fromEnv.strideTokens,
        log,
      });
      engine = ner;
      close = () => ner.close();
    } else if (values.engine === 'llm') {
      // Throws a ConfigError naming LLM_BASE_URL / LLM_MODEL when the endpoint is not configured.
      const llm = llmEngineForCli(process.env, log);
      engine = llm.engine;
      reportUsage = (usage) => llm.reportUsage(usage);
      summary = () => llmSummary(llm);
    } else {
      process.stderr.write(`unknown engine ${values.engine} (bert-ner, llm, none)\n`);
      return 2;
    }
    const notes = isCorpusDir(values.input)
      ? corpusNotes(values.input, parseSplit(values.split))
      : await readNotes(values.input);
    const out = openOutput(values.output);
    const concurrency = Math.max(1, int(values.concurrency, 'concurrency') ?? 8);
    const progress = new Progress(notes.length, notes.length >= PROGRESS_MIN_NOTES && !values.quiet);
    // Notes run `concurrency` at a time (so their windows share batches) and are written in input order.
    const results: (string | undefined)[] = new Array<string | undefined>(notes.length);
    let next = 0;
    let written = 0;
    let done = 0;
    let modelSeconds = 0;
    // Flushes run one after another: two workers must not write the same finished line twice.
    let flushing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> =>
      (flushing = flushing.then(async () => {
        while (written < notes.length && results[written] !== undefined) {
          const line = results[written]!;
          results[written] = undefined;
          written++;
          await write(out, line);
        }
      }));
    const worker = async (): Promise<void> => {
      for (let i = next++; i < notes.length; i = next++) {
        const note = notes[i]!;
        const r = await engine.extract({
          noteId: note.id,
          tenantId: 'cli',
          text: note.text,
          ...(reportUsage ? { reportUsage } : {}),
          ...(values.variant ? { promptVariant: values.variant } : {}),
        });
        modelSeconds += r.modelSeconds;
        // A failed LLM extraction is written as its failure, so no input line silently disappears.
        results[i] = JSON.stringify(r.extraction ?? { noteId: note.id, failure: r.failure }) + '\n';
        done++;
        progress.tick(done);
        await flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, notes.length) }, worker));
    await flush();
    if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
    log('info', `extracted ${notes.length} notes, model seconds ${modelSeconds.toFixed(2)}`);
    if (summary) log('info', summary());
    return 0;
  } catch (e) {
    process.stderr.write(`extract failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await close();
  }
}

/** The LLM's end-of-run lines: calls and tokens, then latency per note, per call and per attempt. */
function llmSummary(llm: LlmCliEngine): string {
  return `${llm.summary()}\n${llm.latencySummary()}`;
}

/** Registry entry for tools/cli/clinex.ts (`COMMANDS.extract = extractCommand`); writes to the process streams. */
export const extractCommand = {
  summary: 'run an extraction engine (bert-ner, llm, none) over notes (JSONL, .txt or stdin)',
  usage: USAGE,
  run: (args: readonly string[]): Promise<number> => runExtract([...args]),
} as const;
