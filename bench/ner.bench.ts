/**
 * NER engine throughput: notes/s, tokens/s and achieved GFLOP/s at batch sizes 1, 8, 32 and 1 and 2 intra-op
 * threads, against the CPU's measured MatMul peak, with @huggingface/transformers' token-classification pipeline on
 * the same model and the same windows as a baseline. The engine runs twice: the fp32 graph (model.onnx, the very file
 * the baseline runs) and the int8 graph it picks on CPU by default (model_quantized.onnx). For int8, GFLOP/s counts the
 * same floating-point work per pass, so "% peak" is measured against the fp32 MatMul peak and can pass 100.
 *
 *   npx tsx --conditions=clinex-source bench/ner.bench.ts [--notes 200] [--model DIR] [--batches 1,8,32]
 *       [--threads 1,2] [--precisions fp32,int8] [--repeats 3] [--skip-baseline]
 *
 * Prints a table and writes bench/results/ner.json.
 */
import { cpus } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BertNerEngine } from '../apps/extractor/src/engines/bert-ner/bert-ner.engine.js';
import { planWindows } from '../apps/extractor/src/engines/bert-ner/windowing.js';
import { loadNotes, matmulPeak, windowFlops, type BenchNote, type EncoderShape } from './ner-bench.support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    notes: { type: 'string', default: '200' },
    model: { type: 'string' },
    batches: { type: 'string', default: '1,8,32' },
    threads: { type: 'string', default: '1,2' },
    window: { type: 'string', default: '128' },
    precisions: { type: 'string', default: 'fp32,int8' },
    repeats: { type: 'string', default: '3' },
    'skip-baseline': { type: 'boolean', default: false },
  },
});
const repeats = Math.max(1, Number(values.repeats));
const precisions = values.precisions.split(',').filter((p): p is 'fp32' | 'int8' => p === 'fp32' || p === 'int8');
const modelDir = resolve(values.model ?? process.env['NER_MODEL_DIR'] ?? join(ROOT, 'models', 'clinex-bert-ner'));
const notesPath = resolve(ROOT, '..', 'shared', 'data', 'mtsamples', 'notes.jsonl');
const batches = values.batches.split(',').map(Number);
const threadsList = values.threads.split(',').map(Number);
const windowTokens = Number(values.window);
const STRIDE = 32;

const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as {
  hidden_size: number;
  num_hidden_layers: number;
  intermediate_size: number;
  id2label: Record<string, string>;
  max_position_embeddings: number;
};
const shape: EncoderShape = {
  hidden: config.hidden_size,
  layers: config.num_hidden_layers,
  intermediate: config.intermediate_size,
  labels: Object.keys(config.id2label).length,
};
const notes = loadNotes(notesPath, Number(values.notes));

interface Run {
  engine: 'clinex-bert-ner fp32' | 'clinex-bert-ner int8' | 'transformers.js fp32';
  batch: number;
  threads: number;
  seconds: number;
  notesPerSec: number;
  tokensPerSec: number;
  gflops: number;
  pctOfPeak: number;
  modelSeconds?: number;
  /** tokens/s over the transformers.js run at the same batch size and threads. */
  vsBaseline?: number;
}

// Token and window counts come from the engine's own tokenizer and window plan, so both engines see the same work.
const probe = await BertNerEngine.create({ modelDir, windowTokens, strideTokens: STRIDE });
let totalTokens = 0;
let totalFlops = 0;
const windowTexts: string[] = [];
for (const n of notes) {
  const tok = await probe.tokenize(n.text);
  totalTokens += tok.ids.length;
  if (tok.ids.length === 0) continue;
  for (const w of planWindows(tok.ids.length, windowTokens - 2, STRIDE)) {
    totalFlops += windowFlops(shape, w.end - w.start + 2);
    windowTexts.push(n.text.slice(tok.offsets[w.start]![0], tok.offsets[w.end - 1]![1]));
  }
}
await probe.close();

const peak: Record<number, number> = {};
for (const t of threadsList) peak[t] = await matmulPeak(t);

async function runClinex(precision: 'fp32' | 'int8', batch: number, threads: number, list: BenchNote[]): Promise<Run> {
  const engine = await BertNerEngine.create({
    modelDir,
    modelPrecision: precision,
    windowTokens,
    strideTokens: STRIDE,
    maxBatchSize: batch,
    maxWaitMs: 2,
    intraOpNumThreads: threads,
  });
  try {
    for (const n of list.slice(0, 3)) await engine.extract({ noteId: n.id, tenantId: 'bench', text: n.text });
    const t0 = performance.now();
    let next = 0;
    let modelSeconds = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < list.length; i = next++) {
        const r = await engine.extract({ noteId: list[i]!.id, tenantId: 'bench', text: list[i]!.text });
        modelSeconds += r.modelSeconds;
      }
    };
    await Promise.all(Array.from({ length: batch }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const gflops = totalFlops / seconds / 1e9;
    return {
      engine: `clinex-bert-ner ${precision}`,
      batch,
      threads,
      seconds,
      notesPerSec: list.length / seconds,
      tokensPerSec: totalTokens / seconds,
      gflops,
      pctOfPeak: (100 * gflops) / peak[threads]!,
      modelSeconds,
    };
  } finally {
    await engine.close();
  }
}

type TokenClassifier = (texts: string[], opts?: Record<string, unknown>) => Promise<unknown>;

/** transformers.js reads `<dir>/onnx/model.onnx`; a temp dir of links gives it our model without copying it. */
async function runBaseline(batch: number, threads: number): Promise<Run> {
  const tf = await import('@huggingface/transformers');
  const base = mkdtempSync(join(ROOT, '.cache', 'bench-hf-'));
  try {
    const dir = join(base, 'clinex-bert-ner');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json']) symlinkSync(join(modelDir, f), join(dir, f));
    symlinkSync(join(modelDir, 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
    // Truncate to the model's positions, as transformers.js does not window long inputs itself.
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: config.max_position_embeddings,
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        mask_token: '[MASK]',
      }),
    );
    tf.env.localModelPath = base + '/';
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    const pipe = (await tf.pipeline('token-classification', 'clinex-bert-ner', {
      dtype: 'fp32',
      device: 'cpu',
      session_options: { intraOpNumThreads: threads, graphOptimizationLevel: 'all' },
    })) as unknown as TokenClassifier & { dispose(): Promise<void> };
    await pipe(windowTexts.slice(0, 2));
    const t0 = performance.now();
    for (let i = 0; i < windowTexts.length; i += batch) await pipe(windowTexts.slice(i, i + batch));
    const seconds = (performance.now() - t0) / 1000;
    await pipe.dispose();
    const gflops = totalFlops / seconds / 1e9;
    return {
      engine: 'transformers.js fp32',
      batch,
      threads,
      seconds,
      notesPerSec: notes.length / seconds,
      tokensPerSec: totalTokens / seconds,
      gflops,
      pctOfPeak: (100 * gflops) / peak[threads]!,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

// The machine is shared: probe the peak again after the runs and keep the better reading of each.
async function remeasurePeak(): Promise<void> {
  for (const t of threadsList) peak[t] = Math.max(peak[t]!, await matmulPeak(t));
}

const runs: Run[] = [];
let baselineError: string | null = null;
/** Keeps the fastest of the repeats of one configuration: on a shared machine, slower readings are other jobs. */
function keepBest(run: Run): void {
  const i = runs.findIndex((r) => r.engine === run.engine && r.batch === run.batch && r.threads === run.threads);
  if (i < 0) runs.push(run);
  else if (run.tokensPerSec > runs[i]!.tokensPerSec) runs[i] = run;
  process.stderr.write(
    `${run.engine} batch ${run.batch} threads ${run.threads}: ${run.tokensPerSec.toFixed(0)} tokens/s\n`,
  );
}
mkdirSync(join(ROOT, '.cache'), { recursive: true });
// Repeats go round all configurations in turn, so a burst of load elsewhere hits one reading of each, not all of one.
for (let repeat = 0; repeat < repeats; repeat++) {
  for (const threads of threadsList) {
    for (const batch of batches) {
      for (const precision of precisions) keepBest(await runClinex(precision, batch, threads, notes));
      if (!values['skip-baseline'] && baselineError === null) {
        try {
          keepBest(await runBaseline(batch, threads));
        } catch (e) {
          baselineError = (e as Error).message;
          process.stderr.write(`transformers.js baseline failed: ${baselineError}\n`);
        }
      }
    }
  }
}

await remeasurePeak();
for (const r of runs) {
  r.pctOfPeak = (100 * r.gflops) / peak[r.threads]!;
  const base = runs.find((b) => b.engine === 'transformers.js fp32' && b.batch === r.batch && b.threads === r.threads);
  if (base) r.vsBaseline = r.tokensPerSec / base.tokensPerSec;
}
const header = ['engine', 'batch', 'threads', 'notes/s', 'tokens/s', 'GFLOP/s', '% peak', 'x baseline'];
const rows = runs.map((r) => [
  r.engine,
  String(r.batch),
  String(r.threads),
  r.notesPerSec.toFixed(2),
  r.tokensPerSec.toFixed(0),
  r.gflops.toFixed(1),
  r.pctOfPeak.toFixed(1),
  r.vsBaseline === undefined ? '-' : r.vsBaseline.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const fmt = (r: string[]): string =>
  r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
const modelBytes = statSync(join(modelDir, 'model.onnx')).size;
const quantizedBytes = precisions.includes('int8') ? statSync(join(modelDir, 'model_quantized.onnx')).size : null;
process.stdout.write(
  `NER benchmark: best of ${repeats} repeats per row, ${notes.length} MTSamples notes, ${totalTokens} tokens, ${windowTexts.length} windows of <= ${windowTokens} tokens (overlap ${STRIDE}), ` +
    `${(totalFlops / 1e9).toFixed(1)} GFLOP per pass\nCPU: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}; MatMul peak (onnxruntime, 1024^3): ` +
    threadsList.map((t) => `${t} thread${t > 1 ? 's' : ''} ${peak[t]!.toFixed(1)} GFLOP/s`).join(', ') +
    `\n\n${fmt(header)}\n${rows.map(fmt).join('\n')}\n` +
    (baselineError ? `\ntransformers.js baseline could not run: ${baselineError}\n` : ''),
);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench', 'results', 'ner.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      cpu: { model: cpus()[0]?.model ?? 'unknown', count: cpus().length },
      model: { dir: modelDir, onnxBytes: modelBytes, quantizedOnnxBytes: quantizedBytes, shape },
      notes: notes.length,
      tokens: totalTokens,
      windows: windowTexts.length,
      windowTokens,
      overlapTokens: STRIDE,
      repeats,
      flopsPerPass: totalFlops,
      matmulPeakGflops: peak,
      runs,
      baselineError,
    },
    null,
    2,
  ) + '\n',
);
