import { basename } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { emptyExtraction, type ClinicalExtraction } from '#schemas';
import type { EngineInput, EngineResult, ExtractionEngine } from '../extraction-engine.port.js';
import { decodeBio, type EntitySpan, type TokenPrediction } from './bio.decoder.js';
import { BertNerError, BertNerErrorCode } from './bert-ner.errors.js';
import {
  resolveBertNerOptions,
  type BertNerOptions,
  type BertNerOptionsInput,
  type NerLog,
} from './bert-ner.options.js';
import { DynamicBatcher } from './dynamic-batcher.js';
import { decodeExtraction } from './entity.decoding.js';
import { loadModelDir, QUANTIZED_MODEL_FILE, type ModelDir } from './model-dir.loader.js';
import { OnnxTokenClassifier, type WindowPrediction } from './onnx-token-classifier.js';

/** What the engine needs from a model runtime; the ONNX classifier in production, a stub in decoding tests. */
export interface TokenClassifier {
  readonly provider: 'cpu' | 'cuda';
  classify(windows: readonly (readonly number[])[]): Promise<WindowPrediction[]>;
  dispose(): Promise<void>;
}
import { assignTokensToWindows, planWindows } from './windowing.js';

/**
 * The graph file to run. int8 wins on CPU (integer GEMM kernels, a quarter of the weight bytes) at the same scores
 * (MODEL_CARD.md); on CUDA the fp32 graph is the one onnxruntime runs fully on the GPU.
 */
export function chooseGraph(
  model: ModelDir,
  options: Pick<BertNerOptions, 'modelPrecision' | 'executionProvider'>,
): { path: string; precision: 'fp32' | 'int8' } {
  switch (options.modelPrecision) {
    case 'fp32':
      return { path: model.modelPath, precision: 'fp32' };
    case 'int8':
      if (!model.quantizedModelPath) {
        throw new BertNerError(
          BertNerErrorCode.ModelFileMissing,
          `model precision int8 needs ${QUANTIZED_MODEL_FILE} in ${model.dir} (make it with tools/train/quantize_int8.py)`,
          QUANTIZED_MODEL_FILE,
        );
      }
      return { path: model.quantizedModelPath, precision: 'int8' };
    case 'auto':
      return model.quantizedModelPath && options.executionProvider === 'cpu'
        ? { path: model.quantizedModelPath, precision: 'int8' }
        : { path: model.modelPath, precision: 'fp32' };
  }
}

interface NoteTokens {
  ids: number[];
  offsets: [number, number][];
  words: (number | null)[];
}

/**
 * The NER engine: WordPiece tokens with character offsets, overlapping windows for long notes, windows from all
 * concurrent notes batched into one ONNX run, BIO decoding, then rules that assemble the contract.
 */
export class BertNerEngine implements ExtractionEngine {
  readonly descriptor: ClinicalExtraction['engine'];
  private closed = false;

  private constructor(
    private readonly model: ModelDir,
    private readonly tokenizer: Tokenizer,
    private readonly classifier: TokenClassifier,
    private readonly batcher: DynamicBatcher<number[], WindowPrediction>,
    private readonly options: BertNerOptions,
    private readonly clsId: number,
    private readonly sepId: number,
  ) {
    this.descriptor = {
      name: 'bert-ner',
      model: model.modelName.slice(0, 200),
      version: model.modelVersion.slice(0, 100),
    };
  }

  /** Validates the options and the model dir, then loads the tokenizer and the ONNX session. */
  static async create(
    input: BertNerOptionsInput & { log?: NerLog },
    deps: { classifier?: TokenClassifier } = {},
  ): Promise<BertNerEngine> {
    const options = resolveBertNerOptions(input);
    const model = loadModelDir(options.modelDir);
    if (options.windowTokens > model.maxPositions) {
      throw new BertNerError(
        BertNerErrorCode.OptionsInvalid,
        `windowTokens ${options.windowTokens} exceeds the model's max_position_embeddings ${model.maxPositions}`,
        'windowTokens',
      );
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = Tokenizer.fromFile(model.tokenizerPath);
    } catch (e) {
      throw new BertNerError(
        BertNerErrorCode.ModelConfigInvalid,
        `tokenizer.json cannot be loaded: ${(e as Error).message}`,
        'tokenizer.json',
      );
    }
    const clsId = tokenizer.tokenToId('[CLS]');
    const sepId = tokenizer.tokenToId('[SEP]');
    if (clsId === null || sepId === null) {
      throw new BertNerError(
        BertNerErrorCode.ModelConfigInvalid,
        'tokenizer.json has no [CLS]/[SEP] tokens',
        'tokenizer.json',
      );
    }
    const graph = chooseGraph(model, options);
    const classifier =
      deps.classifier ??
      (await OnnxTokenClassifier.create(graph.path, model.labels.length, {
        executionProvider: options.executionProvider,
        intraOpNumThreads: options.intraOpNumThreads,
        threadSpinning: options.threadSpinning,
        log: options.log,
      }));
    const batcher = new DynamicBatcher<number[], WindowPrediction>(
      (w) => classifier.classify(w),
      options.maxBatchSize,
      options.maxWaitMs,
    );
    options.log(
      'info',
      `NER: model ${model.modelName} (${model.labels.length} labels, ${graph.precision} graph ${basename(graph.path)}), window ${options.windowTokens} tokens, overlap ${options.strideTokens}, batch <= ${options.maxBatchSize}, wait <= ${options.maxWaitMs} ms`,
    );
    return new BertNerEngine(model, tokenizer, classifier, batcher, options, clsId, sepId);
  }

  /** The execution provider actually in use (`cuda` only when it was asked for and is available). */
  get provider(): 'cpu' | 'cuda' {
    return this.classifier.provider;
  }

  async tokenize(text: string): Promise<NoteTokens> {
    const enc = await this.tokenizer.encode(text, null, { addSpecialTokens: false });
    return {
      ids: enc.getIds(),
      offsets: enc.getOffsets().map((o) => [o[0]!, o[1]!] as [number, number]),
      words: enc.getWordIds().map((w) => (w === undefined ? null : w)),
    };
  }

  /**
   * Entity spans the model finds in `text` (offsets into `text`), and the model seconds attributed to this note; before
   * the model dir's confidence thresholds and drug lexicon, which `extract` applies (entity.decoding.ts).
   */
  async findEntities(text: string): Promise<{ entities: EntitySpan[]; modelSeconds: number; tokens: number }> {
    if (this.closed) throw new BertNerError(BertNerErrorCode.EngineClosed, 'the NER engine is closed');
    const tok = await this.tokenize(text);
    const n = tok.ids.length;
    if (n === 0) return { entities: [], modelSeconds: 0, tokens: 0 };
    const content = this.options.windowTokens - 2;
    const windows = planWindows(n, content, Math.min(this.options.strideTokens, content - 1));
    const results = await Promise.all(
      windows.map((w) => this.batcher.submit([this.clsId, ...tok.ids.slice(w.start, w.end), this.sepId])),
    );
    // A batch's time is shared among the windows it carried.
    const modelSeconds = results.reduce((a, r) => a + r.stats.seconds / r.stats.size, 0);
    const owner = assignTokensToWindows(n, windows);
    const preds: TokenPrediction[] = new Array<TokenPrediction>(n);
    for (let t = 0; t < n; t++) {
      const wi = owner[t]!;
      const out = results[wi]!.output;
      const j = t - windows[wi]!.start + 1;
      preds[t] = {
        start: tok.offsets[t]![0],
        end: tok.offsets[t]![1],
        word: tok.words[t] ?? null,
        cls: out.classes[j]!,
        prob: out.probs[j]!,
      };
    }
    return { entities: decodeBio(text, preds, this.model.labels), modelSeconds, tokens: n };
  }

  async extract(input: EngineInput): Promise<EngineResult> {
    const { entities, modelSeconds } = await this.findEntities(input.text);
    const extraction: ClinicalExtraction = {
      ...emptyExtraction(input.noteId, this.descriptor),
      ...decodeExtraction(input.text, entities, this.model),
    };
    return { extraction, modelSeconds };
  }

  /** Nest calls this after the consumer has stopped, so no in-flight batch loses its session. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.close();
    await this.classifier.dispose();
  }
}
