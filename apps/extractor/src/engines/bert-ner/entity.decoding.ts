import type { ClinicalExtraction } from '#schemas';
import type { EntitySpan } from './bio.decoder.js';
import { keepVouchedDrugNames } from './drug-name.filter.js';
import { assembleExtraction } from './extraction.assembler.js';
import type { EntityTarget } from './model-dir.loader.js';

type Extracted = Pick<ClinicalExtraction, 'patient' | 'medications' | 'diagnoses' | 'symptoms' | 'labs' | 'followUps'>;

/** What decoding needs from the model dir besides the network: its tuned thresholds and its drug lexicon. */
export interface DecodingKnowledge {
  readonly minConfidence: Readonly<Partial<Record<EntityTarget, number>>>;
  readonly drugLexicon: ReadonlySet<string>;
}

/**
 * The model's entities to the contract's fields, in one place for the engine and for tools/train/tune-thresholds.ts
 * (which tunes `minConfidence` through this very function): entities under their field's confidence threshold are
 * dropped, the rest assembled (span repair, attachment, normalisation), and drug names nothing vouches for dropped.
 */
export function decodeExtraction(
  text: string,
  entities: readonly EntitySpan[],
  knowledge: DecodingKnowledge,
): Extracted {
  const min = knowledge.minConfidence;
  const kept = entities.filter((e) => e.confidence >= (min[e.target] ?? 0));
  const assembled = assembleExtraction(text, kept);
  return { ...assembled, medications: keepVouchedDrugNames(assembled.medications, knowledge.drugLexicon) };
}
