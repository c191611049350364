import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

/** Shared pieces of the NER benchmarks: notes, FLOP counting, and a MatMul peak probe through onnxruntime. */

export interface BenchNote {
  id: string;
  text: string;
}

export function loadNotes(path: string, count: number): BenchNote[] {
  const notes: BenchNote[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { id: string; text: string };
    notes.push({ id: o.id, text: o.text });
    if (notes.length >= count) break;
  }
  return notes;
}

export interface EncoderShape {
  hidden: number;
  layers: number;
  intermediate: number;
  labels: number;
}

/** Multiply-adds x2 for one window of `t` tokens through a BERT encoder and a token-classification head. */
export function windowFlops(s: EncoderShape, t: number): number {
  const perTokenLinear =
    s.layers * (2 * 4 * s.hidden * s.hidden + 2 * 2 * s.hidden * s.intermediate) + 2 * s.hidden * s.labels;
  const attention = s.layers * 2 * 2 * t * t * s.hidden;
  return t * perTokenLinear + attention;
}

// --- A one-node ONNX model (C = A x B) written as protobuf by hand, so the peak probe needs no Python or files.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (no: number, wire: number): number[] => varint((no << 3) | wire);
const bytes = (no: number, payload: number[]): number[] => [...field(no, 2), ...varint(payload.length), ...payload];
const str = (no: number, s: string): number[] => bytes(no, [...Buffer.from(s, 'utf8')]);
const int = (no: number, v: number): number[] => [...field(no, 0), ...varint(v)];

function tensorValueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d)));
  const tensorType = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

export function matmulModel(n: number): Uint8Array {
  const node = [...str(1, 'A'), ...str(1, 'B'), ...str(2, 'C'), ...str(3, 'mm'), ...str(4, 'MatMul')];
  const graph = [
    ...bytes(1, node),
    ...str(2, 'peak'),
    ...bytes(11, tensorValueInfo('A', [n, n])),
    ...bytes(11, tensorValueInfo('B', [n, n])),
    ...bytes(12, tensorValueInfo('C', [n, n])),
  ];
  const opset = [...str(1, ''), ...int(2, 14)];
  return new Uint8Array([...int(1, 8), ...bytes(7, graph), ...bytes(8, opset)]);
}

/** Best GFLOP/s of an n x n float32 MatMul through onnxruntime-node on CPU with `threads` intra-op threads. */
export async function matmulPeak(threads: number, n = 1024, reps = 30): Promise<number> {
  const session = await ort.InferenceSession.create(matmulModel(n), {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
  const a = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000),
    [n, n],
  );
  const b = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000),
    [n, n],
  );
  await session.run({ A: a, B: b });
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await session.run({ A: a, B: b });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  await session.release();
  return (2 * n * n * n) / best / 1e9;
}
