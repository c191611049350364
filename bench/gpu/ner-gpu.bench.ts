/**
 * GPU throughput of the NER model through onnxruntime-node's CUDA provider: batch sizes 1..256 of full windows.
 * Run by bench/ner-gpu.sh. Exits 3 when the CUDA provider is not available (prints how to install it).
 *   npx tsx --conditions=clinex-source bench/gpu/ner-gpu.bench.ts [--model DIR] [--window 128] [--max-batch 256] [--device cuda|cpu]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cudaAvailable, OnnxTokenClassifier } from '../../apps/extractor/src/engines/bert-ner/onnx-token-classifier.js';
import { windowFlops } from '../ner-bench.support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    window: { type: 'string', default: '128' },
    'max-batch': { type: 'string', default: '256' },
    device: { type: 'string', default: 'cuda' },
    'min-seconds': { type: 'string', default: '1.5' },
  },
});
const modelDir = resolve(values.model ?? process.env['NER_MODEL_DIR'] ?? join(ROOT, 'models', 'clinex-bert-ner'));
const device = values.device === 'cpu' ? 'cpu' : 'cuda';
if (device === 'cuda' && !cudaAvailable()) {
  process.stderr.write(
    'onnxruntime-node here has no CUDA provider. Install it with `npm ci --onnxruntime-node-install=cuda12` ' +
      '(or `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`); it downloads the CUDA 12 provider libraries at install time.\n',
  );
  process.exit(3);
}
const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as {
  hidden_size: number;
  num_hidden_layers: number;
  intermediate_size: number;
  vocab_size: number;
  id2label: Record<string, string>;
};
const labels = Object.keys(config.id2label).length;
const shape = {
  hidden: config.hidden_size,
  layers: config.num_hidden_layers,
  intermediate: config.intermediate_size,
  labels,
};
const windowTokens = Number(values.window);
const logs: string[] = [];
const classifier = await OnnxTokenClassifier.create(join(modelDir, 'model.onnx'), labels, {
  executionProvider: device,
  intraOpNumThreads: 0,
  threadSpinning: false,
  log: (_l, m) => logs.push(m),
});
process.stderr.write(logs.join('\n') + '\n');
if (classifier.provider !== device) {
  process.stderr.write(`asked for ${device}, got ${classifier.provider}\n`);
  process.exit(3);
}
// Deterministic pseudo-random token ids (skipping the 5 special tokens), full windows with [CLS] ... [SEP].
let seed = 42;
const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const window = (): number[] => [
  2,
  ...Array.from({ length: windowTokens - 2 }, () => 5 + Math.floor(rand() * (config.vocab_size - 5))),
  3,
];

interface Row {
  batch: number;
  msPerBatch: number;
  windowsPerSec: number;
  tokensPerSec: number;
  gflops: number;
}
const rows: Row[] = [];
const maxBatch = Number(values['max-batch']);
for (let batch = 1; batch <= maxBatch; batch *= 2) {
  const input = Array.from({ length: batch }, window);
  await classifier.classify(input);
  await classifier.classify(input);
  let reps = 0;
  const t0 = performance.now();
  while (reps < 3 || (performance.now() - t0) / 1000 < Number(values['min-seconds'])) {
    await classifier.classify(input);
    reps++;
    if (reps >= 200) break;
  }
  const secs = (performance.now() - t0) / 1000 / reps;
  rows.push({
    batch,
    msPerBatch: secs * 1000,
    windowsPerSec: batch / secs,
    tokensPerSec: (batch * windowTokens) / secs,
    gflops: (batch * windowFlops(shape, windowTokens)) / secs / 1e9,
  });
}
await classifier.dispose();
const header = ['batch', 'ms/batch', 'windows/s', 'tokens/s', 'GFLOP/s'];
const cells = rows.map((r) => [
  String(r.batch),
  r.msPerBatch.toFixed(2),
  r.windowsPerSec.toFixed(0),
  r.tokensPerSec.toFixed(0),
  r.gflops.toFixed(1),
]);
const w = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
const line = (c: string[]): string => c.map((x, i) => x.padStart(w[i]!)).join('  ');
process.stdout.write(
  `NER model on ${device} (${modelDir}), windows of ${windowTokens} tokens (argmax/softmax on the host included)\n${line(header)}\n${cells.map(line).join('\n')}\n`,
);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const outFile = join(process.env['OUT'] ?? join(ROOT, 'bench', 'results'), 'ner-gpu.json');
writeFileSync(
  outFile,
  JSON.stringify({ date: new Date().toISOString(), device, windowTokens, shape, rows }, null, 2) + '\n',
);
process.stderr.write(`wrote ${outFile}\n`);
