// Runs the NER engine on the tiny fixture model in a plain Node process and prints JSON. The engine test spawns this:
// inside Jest's VM context onnxruntime-node's output tensors fail its own `instanceof Float32Array` check (the
// native binding builds them in the main realm), so ONNX runs are tested out of process.
import { join } from 'node:path';
import { BertNerEngine } from '../../../apps/extractor/src/engines/bert-ner/bert-ner.engine.js';

const notes = JSON.parse(process.argv[2] ?? '[]') as string[];
const logs: string[] = [];
const engine = await BertNerEngine.create({
  modelDir: join(process.cwd(), 'test', 'ner', 'fixtures', 'tiny-model'),
  windowTokens: 64,
  strideTokens: 16,
  executionProvider: 'cuda',
  log: (_level, message) => logs.push(message),
});
const results = await Promise.all(notes.map((text, i) => engine.extract({ noteId: `n${i}`, tenantId: 't', text })));
process.stdout.write(JSON.stringify({ results, logs, provider: engine.provider, descriptor: engine.descriptor }));
await engine.close();
