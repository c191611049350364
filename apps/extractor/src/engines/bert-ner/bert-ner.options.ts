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
  /**
   * Whether idle intra-op threads spin waiting for work (onnxruntime's default). Off by default: spinning threads
   * burn the cores the worker shares with its own Kafka and JSON work and with other services (bench:pipeline
   * measured the extractor at 43 CPU ms per note spinning and 21 without). On for a host that runs only the model.
   */
  threadSpinning: z.boolean().default(false),
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
 * The engine's environment variables, each optional: one schema for the extractor service's config (which spreads it
 * into its own) and for the CLI, with the same bounds as the options above, so a value one accepts the other does too.
 */
export const nerEnvShape = {
  NER_MODEL_DIR: z.string().min(1).optional(),
  /** `cuda` needs onnxruntime-node installed with its CUDA binaries (see README); falls back to CPU with a log line. */
  NER_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  /** `auto` runs model_quantized.onnx (int8) on CPU when the model dir has one, else model.onnx; or force one. */
  NER_MODEL_PRECISION: z.enum(MODEL_PRECISIONS).default('auto'),
  /** Tokens per window and overlap between windows for notes longer than the model's window. */
  NER_WINDOW_TOKENS: z.coerce.number().int().min(8).max(4096).optional(),
  NER_STRIDE_TOKENS: z.coerce.number().int().min(0).optional(),
  /** Dynamic batching: windows from concurrent notes run together, up to this many or this long a wait. */
  NER_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1024).optional(),
  NER_MAX_WAIT_MS: z.coerce.number().min(0).max(10_000).optional(),
  /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
  NER_INTRA_OP_THREADS: z.coerce.number().int().min(0).max(256).optional(),
  /** `true`: idle intra-op threads spin (onnxruntime's default; for a host that runs only the model). */
  NER_THREAD_SPINNING: z.enum(['true', 'false']).optional(),
};
const nerEnvSchema = z.object(nerEnvShape);
export type NerEnv = z.output<typeof nerEnvSchema>;

/** Engine options from parsed NER variables (the service's config or the CLI's environment). */
export function bertNerOptionsFromNerEnv(env: NerEnv, defaultModelDir: string): BertNerOptionsInput {
  return {
    modelDir: env.NER_MODEL_DIR ?? defaultModelDir,
    executionProvider: env.NER_EXECUTION_PROVIDER,
    modelPrecision: env.NER_MODEL_PRECISION,
    windowTokens: env.NER_WINDOW_TOKENS,
    strideTokens: env.NER_STRIDE_TOKENS,
    maxBatchSize: env.NER_MAX_BATCH_SIZE,
    maxWaitMs: env.NER_MAX_WAIT_MS,
    intraOpNumThreads: env.NER_INTRA_OP_THREADS,
    threadSpinning: env.NER_THREAD_SPINNING === undefined ? undefined : env.NER_THREAD_SPINNING === 'true',
  };
}

/** Options from the process environment (the CLI); an empty variable counts as unset, as in the service's config. */
export function bertNerOptionsFromEnv(env: NodeJS.ProcessEnv, defaultModelDir: string): BertNerOptionsInput {
  const set = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('NER_') && v !== ''));
  const parsed = nerEnvSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'NER_*';
    throw new BertNerError(BertNerErrorCode.OptionsInvalid, `${name}: ${issue?.message ?? 'invalid'}`, name);
  }
  return bertNerOptionsFromNerEnv(parsed.data, defaultModelDir);
}
