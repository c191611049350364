/**
 * The prompt variants hospitals compare: zero, one or three worked examples, each with or without a chain-of-thought
 * field the model fills before the data. Chosen per request (NoteSubmitted.promptVariant) or by LLM_PROMPT_VARIANT.
 */
export const PROMPT_VARIANTS = [
  'zero-shot',
  'zero-shot-cot',
  'one-shot',
  'one-shot-cot',
  'three-shot',
  'three-shot-cot',
] as const;
export type PromptVariant = (typeof PROMPT_VARIANTS)[number];

/** One example is the cheapest variant that shows the output shape and the copy-as-written rule in action. */
export const DEFAULT_PROMPT_VARIANT: PromptVariant = 'one-shot';

export interface VariantSpec {
  readonly shots: 0 | 1 | 3;
  readonly chainOfThought: boolean;
}

const SPECS: Readonly<Record<PromptVariant, VariantSpec>> = {
  'zero-shot': { shots: 0, chainOfThought: false },
  'zero-shot-cot': { shots: 0, chainOfThought: true },
  'one-shot': { shots: 1, chainOfThought: false },
  'one-shot-cot': { shots: 1, chainOfThought: true },
  'three-shot': { shots: 3, chainOfThought: false },
  'three-shot-cot': { shots: 3, chainOfThought: true },
};

export function variantSpec(variant: PromptVariant): VariantSpec {
  return SPECS[variant];
}

export function isPromptVariant(value: string): value is PromptVariant {
  return (PROMPT_VARIANTS as readonly string[]).includes(value);
}
