import type { ClinicalExtraction } from '#schemas';

export interface EngineInput {
  noteId: string;
  tenantId: string;
  text: string;
  promptVariant?: string;
}

export interface EngineResult {
  extraction: ClinicalExtraction;
  /** Wall-clock seconds the model spent on this note (priced by the cost meter). */
  modelSeconds: number;
}

/** The one interface both engines implement; batching, devices and prompts stay behind it. */
export interface ExtractionEngine {
  readonly descriptor: ClinicalExtraction['engine'];
  extract(input: EngineInput): Promise<EngineResult>;
}

export const EXTRACTION_ENGINE = Symbol('EXTRACTION_ENGINE');
