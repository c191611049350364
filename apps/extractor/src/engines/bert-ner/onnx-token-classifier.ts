import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { BertNerError, BertNerErrorCode } from './bert-ner.errors.js';
import type { ExecutionProviderChoice, NerLog } from './bert-ner.options.js';

/** Per token of one window: the arg-max class and its softmax probability. */
export interface WindowPrediction {
  readonly classes: Int32Array;
  readonly probs: Float32Array;
}

export interface ClassifierOptions {
  readonly executionProvider: ExecutionProviderChoice;
  readonly intraOpNumThreads: number;
  /** Idle intra-op threads spin waiting for work (see BertNerOptions.threadSpinning). */
  readonly threadSpinning: boolean;
  readonly log: NerLog;
}

/**
 * Whether this onnxruntime-node install can run the CUDA provider: the binding is built with CUDA support, but the
 * provider library is an install-time download (`--onnxruntime-node-install=cuda12`) that sits beside the binding.
 */
export function cudaAvailable(): boolean {
  if (!ort.listSupportedBackends().some((b) => b.name === 'cuda')) return false;
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const binDir = join(pkgDir, 'bin');
    for (const napi of readdirSync(binDir)) {
      if (existsSync(join(binDir, napi, process.platform, process.arch, 'libonnxruntime_providers_cuda.so')))
        return true;
      if (existsSync(join(binDir, napi, process.platform, process.arch, 'onnxruntime_providers_cuda.dll'))) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** One onnxruntime session over a token-classification export: windows of token ids in, per-token argmax out. */
export class OnnxTokenClassifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly withTokenTypes: boolean,
    private readonly numLabels: number,
    readonly provider: ExecutionProviderChoice,
  ) {}

  static async create(modelPath: string, numLabels: number, opts: ClassifierOptions): Promise<OnnxTokenClassifier> {
    let provider: ExecutionProviderChoice = 'cpu';
    if (opts.executionProvider === 'cuda') {
      if (cudaAvailable()) provider = 'cuda';
      else
        opts.log(
          'warn',
          'NER: CUDA requested but onnxruntime-node has no CUDA provider here; using CPU (install with --onnxruntime-node-install=cuda12)',
        );
    }
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      ...(opts.intraOpNumThreads > 0 ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
      // Session config entry session.intra_op.allow_spinning (the Node binding joins the nested keys with dots).
      extra: { session: { intra_op: { allow_spinning: opts.threadSpinning ? '1' : '0' } } },
    };
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, options);
    } catch (e) {
      if (provider !== 'cuda')
        throw new BertNerError(BertNerErrorCode.ModelGraphInvalid, `cannot load ${modelPath}: ${(e as Error).message}`);
      opts.log('warn', `NER: CUDA provider failed to start (${(e as Error).message}); using CPU`);
      provider = 'cpu';
      session = await ort.InferenceSession.create(modelPath, { ...options, executionProviders: ['cpu'] });
    }
    for (const name of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(name)) {
        throw new BertNerError(
          BertNerErrorCode.ModelGraphInvalid,
          `model.onnx has no ${name} input (inputs: ${session.inputNames.join(', ')})`,
          name,
        );
      }
    }
    if (!session.outputNames.includes('logits')) {
      throw new BertNerError(
        BertNerErrorCode.ModelGraphInvalid,
        `model.onnx has no logits output (outputs: ${session.outputNames.join(', ')})`,
        'logits',
      );
    }
    opts.log(
      'info',
      `NER: onnxruntime execution provider ${provider}, graph optimisation all, intra-op threads ${opts.intraOpNumThreads || 'default'}${opts.threadSpinning ? ', spinning' : ''}`,
    );
    return new OnnxTokenClassifier(session, session.inputNames.includes('token_type_ids'), numLabels, provider);
  }

  /** Runs windows (token ids including specials) padded to the longest; returns argmax and probability per token. */
  async classify(windows: readonly (readonly number[])[]): Promise<WindowPrediction[]> {
    const b = windows.length;
    const t = Math.max(...windows.map((w) => w.length));
    const ids = new BigInt64Array(b * t);
    const mask = new BigInt64Array(b * t);
    windows.forEach((w, i) => {
      for (let j = 0; j < w.length; j++) {
        ids[i * t + j] = BigInt(w[j]!);
        mask[i * t + j] = 1n;
      }
    });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [b, t]),
      attention_mask: new ort.Tensor('int64', mask, [b, t]),
    };
    if (this.withTokenTypes) feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(b * t), [b, t]);
    const out = await this.session.run(feeds);
    const logits = out['logits'];
    if (!logits || logits.type !== 'float32')
      throw new BertNerError(BertNerErrorCode.ModelGraphInvalid, 'model.onnx logits must be float32');
    const data = logits.data as Float32Array;
    const c = this.numLabels;
    if (logits.dims.length !== 3 || logits.dims[2] !== c) {
      throw new BertNerError(
        BertNerErrorCode.ModelGraphInvalid,
        `logits shape ${JSON.stringify(logits.dims)} does not match ${c} labels in config.json`,
      );
    }
    return windows.map((w, i) => {
      const classes = new Int32Array(w.length);
      const probs = new Float32Array(w.length);
      for (let j = 0; j < w.length; j++) {
        const base = (i * t + j) * c;
        let best = 0;
        let max = -Infinity;
        for (let k = 0; k < c; k++) {
          const v = data[base + k]!;
          if (v > max) {
            max = v;
            best = k;
          }
        }
        let sum = 0;
        for (let k = 0; k < c; k++) sum += Math.exp(data[base + k]! - max);
        classes[j] = best;
        probs[j] = 1 / sum;
      }
      return { classes, probs };
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
