import { emptyExtraction } from '#schemas';
import type { EngineInput, EngineResult, ExtractionEngine } from './extraction-engine.port.js';

/** Finds nothing. Lets the pipeline run end to end before (or without) a real engine. */
export class NoneEngine implements ExtractionEngine {
  readonly descriptor = { name: 'none', model: 'none', version: '0' };

  extract(input: EngineInput): Promise<EngineResult> {
    return Promise.resolve({ extraction: emptyExtraction(input.noteId, this.descriptor), modelSeconds: 0 });
  }
}
