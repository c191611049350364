import { z } from 'zod';
import { BertNerError, BertNerErrorCode } from './bert-ner.errors.js';

export type ExecutionProviderChoice = 'cpu' | 'cuda';
export const MODEL_PRECISIONS = ['auto', 'fp32', 'int8'] as const;
export type ModelPrecision = (typeof MODEL_PRECISIONS)[number];
export type NerLogLevel = 'info' | 'warn' | 'error';
/** Receives operational messages only (provider chosen, model loaded); never note text. */
export type NerLog = (level: NerLogLevel, message: string) => void;

const optionsSchema = z.object({
  /** Directory in Hugging Face token-classification export layout plus clinex-labels.json. */
  modelDir: z.string().min(1),
  /** `cuda` uses the CUDA provider when onnxruntime-node has it, else falls back to CPU (and logs it). */
  executionProvider: z.enum(['cpu', 'cuda']).default('cpu'),
  /**
   * Which graph runs: `fp32` is model.onnx; `int8` is model_quantized.onnx (dynamic int8, tools/train/quantize_int8.py);
   * `auto` runs the int8 graph on CPU when the dir has one (faster there at the same scores) and fp32 on CUDA.
   */
  modelPrecision: z.enum(MODEL_PRECISIONS).default('auto'),
  /** Tokens per window including [CLS] and [SEP]; at most the model's max_position_embeddings. */
  windowTokens: z.number().int().min(8).max(4096).default(128),
  /** Tokens shared by neighbouring windows; each token's label comes from the window where it is most central. */
  strideTokens: z.number().int().min(0).default(32),
  /** Windows per ONNX run, gathered across concurrent extract calls. */
  maxBatchSize: z.number().int().min(1).max(1024).default(16),
  /** How long the first queued window waits for others before a partial batch runs. */
  maxWaitMs: z.number().min(0).max(10_000).default(5),
  /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
  intraOpNumThreads: z.number().int().min(0).max(256).default(0),
});

export type BertNerOptionsInput = z.input<typeof optionsSchema>;
export type BertNerOptions = z.output<typeof optionsSchema> & { log: NerLog };

const silent: NerLog = () => undefined;

export function resolveBertNerOptions(input: BertNerOptionsInput & { log?: NerLog }): BertNerOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new BertNerError(
      BertNerErrorCode.OptionsInvalid,
      `invalid NER option ${field}: ${issue?.message ?? ''}`,
      field,
    );
  }
  const o = parsed.data;
  if (o.strideTokens >= o.windowTokens - 2) {
    throw new BertNerError(
      BertNerErrorCode.OptionsInvalid,
      `strideTokens (${o.strideTokens}) must be smaller than windowTokens - 2 (${o.windowTokens - 2})`,
      'strideTokens',
    );
  }
  return { ...o, log: input.log ?? silent };
}

/**
 * Options from environment variables (each optional): NER_MODEL_DIR, NER_EXECUTION_PROVIDER (cpu|cuda),
 * NER_MODEL_PRECISION (auto|fp32|int8),
 * NER_WINDOW_TOKENS, NER_STRIDE_TOKENS, NER_MAX_BATCH_SIZE, NER_MAX_WAIT_MS, NER_INTRA_OP_THREADS.
 */
export function bertNerOptionsFromEnv(env: NodeJS.ProcessEnv, defaultModelDir: string): BertNerOptionsInput {
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new BertNerError(BertNerErrorCode.OptionsInvalid, `${name} must be a number`, name);
    return n;
  };
  const ep = env['NER_EXECUTION_PROVIDER'];
  if (ep !== undefined && ep !== '' && ep !== 'cpu' && ep !== 'cuda') {
    throw new BertNerError(
      BertNerErrorCode.OptionsInvalid,
      'NER_EXECUTION_PROVIDER must be cpu or cuda',
      'NER_EXECUTION_PROVIDER',
    );
  }
  const precision = env['NER_MODEL_PRECISION'];
  if (precision !== undefined && precision !== '' && !(MODEL_PRECISIONS as readonly string[]).includes(precision)) {
    throw new BertNerError(
      BertNerErrorCode.OptionsInvalid,
      `NER_MODEL_PRECISION must be one of ${MODEL_PRECISIONS.join(', ')}`,
      'NER_MODEL_PRECISION',
    );
  }
  return {
    modelDir: env['NER_MODEL_DIR'] || defaultModelDir,
    executionProvider: ep === 'cuda' ? 'cuda' : 'cpu',
    modelPrecision: precision ? (precision as ModelPrecision) : undefined,
    windowTokens: num('NER_WINDOW_TOKENS'),
    strideTokens: num('NER_STRIDE_TOKENS'),
    maxBatchSize: num('NER_MAX_BATCH_SIZE'),
    maxWaitMs: num('NER_MAX_WAIT_MS'),
    intraOpNumThreads: num('NER_INTRA_OP_THREADS'),
  };
}
