import { DomainError } from '#platform';

export enum BertNerErrorCode {
  /** A file the model dir must hold is missing (model.onnx, config.json, tokenizer.json, clinex-labels.json). */
  ModelFileMissing = 'NER_MODEL_FILE_MISSING',
  /** config.json or the label mapping is not valid JSON or lacks a required field. */
  ModelConfigInvalid = 'NER_MODEL_CONFIG_INVALID',
  /** The model predicts a label the mapping does not cover. */
  LabelNotMapped = 'NER_LABEL_NOT_MAPPED',
  /** The ONNX graph lacks an input or output the engine needs. */
  ModelGraphInvalid = 'NER_MODEL_GRAPH_INVALID',
  /** Engine options out of range (window, stride, batch size...). */
  OptionsInvalid = 'NER_OPTIONS_INVALID',
  /** The engine was closed and cannot take more notes. */
  EngineClosed = 'NER_ENGINE_CLOSED',
}

/** Raised at engine start (bad model dir or options) or when extracting on a closed engine; never carries note text. */
export class BertNerError extends DomainError<BertNerErrorCode> {
  readonly domain = 'bert-ner';
}
