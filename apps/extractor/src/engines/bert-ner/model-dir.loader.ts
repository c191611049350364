import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BertNerError, BertNerErrorCode } from './bert-ner.errors.js';

/** Contract fields a model entity type can feed. */
export const ENTITY_TARGETS = [
  'medication.name',
  'medication.dose',
  'medication.frequency',
  'medication.route',
  'diagnosis',
  'symptom',
  'lab.name',
  'lab.value',
  'followUp',
  'patient.age',
  'patient.sex',
  'ignore',
] as const;
export type EntityTarget = (typeof ENTITY_TARGETS)[number];

/** One model output class: `O`, or a BIO tag on an entity type. */
export interface ModelLabel {
  readonly prefix: 'B' | 'I' | 'O';
  /** Entity type as the model names it (`DRUG`); null for O. */
  readonly type: string | null;
  /** Where the type goes in the contract; null for O. */
  readonly target: EntityTarget | null;
}

export interface ModelDir {
  readonly dir: string;
  readonly modelPath: string;
  /** model_quantized.onnx when the dir has one (optional; the same network with int8 weights). */
  readonly quantizedModelPath: string | null;
  readonly tokenizerPath: string;
  /** Indexed by class id. */
  readonly labels: readonly ModelLabel[];
  readonly maxPositions: number;
  /** `name@version` style identity for the extraction's engine descriptor. */
  readonly modelName: string;
  readonly modelVersion: string;
  /**
   * Entities of a target whose confidence is below this are dropped (config.json `clinex.min_confidence`, set by
   * tools/train/tune-thresholds.ts on the corpus's tune split); a target not named keeps every entity.
   */
  readonly minConfidence: Readonly<Partial<Record<EntityTarget, number>>>;
  /** Lower-cased drug names learnt from the annotated corpus (optional drug-lexicon.txt; see drug-name.filter.ts). */
  readonly drugLexicon: ReadonlySet<string>;
}

/** Optional: drug names learnt from the annotated corpus's train split (tools/train/drug_lexicon.py), one a line. */
export const DRUG_LEXICON_FILE = 'drug-lexicon.txt';

function readLexicon(path: string): Set<string> {
  if (!existsSync(path)) return new Set();
  return new Set(
    readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l && !l.startsWith('#')),
  );
}

export const MODEL_FILES = {
  model: 'model.onnx',
  config: 'config.json',
  tokenizer: 'tokenizer.json',
  labels: 'clinex-labels.json',
} as const;

/** Optional: an int8 version of model.onnx, under the file name Hugging Face Optimum and transformers.js use. */
export const QUANTIZED_MODEL_FILE = 'model_quantized.onnx';

function fail(code: BertNerErrorCode, message: string, field?: string): never {
  throw new BertNerError(code, message, field);
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return fail(BertNerErrorCode.ModelFileMissing, `${what} cannot be read: ${path}`, what);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    return fail(BertNerErrorCode.ModelConfigInvalid, `${what} is not valid JSON (${(e as Error).message})`, what);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const TAG_RE = /^([BIES])-(.+)$/;

function parseLabel(raw: string, mapping: ReadonlyMap<string, EntityTarget>): ModelLabel {
  if (raw === 'O') return { prefix: 'O', type: null, target: null };
  const m = TAG_RE.exec(raw);
  // A bare type ("DRUG") is an IO scheme tag: treat it as inside.
  const prefix = m ? (m[1] === 'B' || m[1] === 'S' ? 'B' : 'I') : 'I';
  const type = m ? m[2]! : raw;
  const target = mapping.get(type);
  if (target === undefined) {
    return fail(
      BertNerErrorCode.LabelNotMapped,
      `model label "${raw}" (type ${type}) is not in ${MODEL_FILES.labels}; map it to a contract field or to "ignore"`,
      type,
    );
  }
  return { prefix, type, target };
}

function readMapping(path: string): Map<string, EntityTarget> {
  const json = readJson(path, MODEL_FILES.labels);
  if (!isRecord(json) || !isRecord(json['entities'])) {
    return fail(
      BertNerErrorCode.ModelConfigInvalid,
      `${MODEL_FILES.labels} needs an "entities" object mapping model types to contract fields`,
      'entities',
    );
  }
  const map = new Map<string, EntityTarget>();
  for (const [type, target] of Object.entries(json['entities'])) {
    if (typeof target !== 'string' || !(ENTITY_TARGETS as readonly string[]).includes(target)) {
      return fail(
        BertNerErrorCode.ModelConfigInvalid,
        `${MODEL_FILES.labels}: type ${type} maps to ${JSON.stringify(target)}; expected one of ${ENTITY_TARGETS.join(', ')}`,
        type,
      );
    }
    map.set(type, target as EntityTarget);
  }
  return map;
}

/** Checks the model dir completely before anything is loaded, so a bad dir fails at start with one clear message. */
export function loadModelDir(dir: string): ModelDir {
  for (const file of Object.values(MODEL_FILES)) {
    if (!existsSync(join(dir, file))) fail(BertNerErrorCode.ModelFileMissing, `model dir ${dir} lacks ${file}`, file);
  }
  const config = readJson(join(dir, MODEL_FILES.config), MODEL_FILES.config);
  if (!isRecord(config))
    return fail(BertNerErrorCode.ModelConfigInvalid, `${MODEL_FILES.config} must be a JSON object`);
  const id2label = config['id2label'];
  if (!isRecord(id2label) || Object.keys(id2label).length === 0) {
    return fail(BertNerErrorCode.ModelConfigInvalid, `${MODEL_FILES.config} lacks an id2label object`, 'id2label');
  }
  const n = Object.keys(id2label).length;
  const mapping = readMapping(join(dir, MODEL_FILES.labels));
  const labels: ModelLabel[] = [];
  for (let i = 0; i < n; i++) {
    const raw = id2label[String(i)];
    if (typeof raw !== 'string') {
      return fail(
        BertNerErrorCode.ModelConfigInvalid,
        `${MODEL_FILES.config} id2label must map 0..${n - 1} to strings; ${i} is missing`,
        'id2label',
      );
    }
    labels.push(parseLabel(raw, mapping));
  }
  const maxPos = config['max_position_embeddings'];
  if (typeof maxPos !== 'number' || !Number.isInteger(maxPos) || maxPos < 8) {
    return fail(
      BertNerErrorCode.ModelConfigInvalid,
      `${MODEL_FILES.config} lacks an integer max_position_embeddings`,
      'max_position_embeddings',
    );
  }
  const clinex = isRecord(config['clinex']) ? config['clinex'] : {};
  const name =
    typeof config['_name_or_path'] === 'string' && config['_name_or_path']
      ? config['_name_or_path']
      : (dir.split(/[\\/]/).filter(Boolean).pop() ?? 'model');
  const version =
    typeof clinex['version'] === 'string'
      ? clinex['version']
      : typeof config['transformers_version'] === 'string'
        ? config['transformers_version']
        : '1';
  const minConfidence: Partial<Record<EntityTarget, number>> = {};
  const thresholds = clinex['min_confidence'];
  if (thresholds !== undefined) {
    if (!isRecord(thresholds))
      return fail(BertNerErrorCode.ModelConfigInvalid, 'clinex.min_confidence must be an object', 'min_confidence');
    for (const [target, value] of Object.entries(thresholds)) {
      if (
        !(ENTITY_TARGETS as readonly string[]).includes(target) ||
        typeof value !== 'number' ||
        !(value >= 0 && value < 1)
      )
        return fail(
          BertNerErrorCode.ModelConfigInvalid,
          `clinex.min_confidence.${target} must be a contract field (${ENTITY_TARGETS.join(', ')}) with a number in [0, 1)`,
          'min_confidence',
        );
      minConfidence[target as EntityTarget] = value;
    }
  }
  return {
    dir,
    modelPath: join(dir, MODEL_FILES.model),
    quantizedModelPath: existsSync(join(dir, QUANTIZED_MODEL_FILE)) ? join(dir, QUANTIZED_MODEL_FILE) : null,
    tokenizerPath: join(dir, MODEL_FILES.tokenizer),
    labels,
    maxPositions: maxPos,
    modelName: name,
    modelVersion: version,
    minConfidence,
    drugLexicon: readLexicon(join(dir, DRUG_LEXICON_FILE)),
  };
}
