import { z } from 'zod';
import { llmConfigShape, requireLlmEndpoint } from '#platform';
import { DEFAULT_PROMPT_VARIANT, PROMPT_VARIANTS } from './prompt-variants.js';

/** The LLM engine's variables: the endpoint (shared shape, see libs/platform/src/llm) and the default variant. */
export const llmEngineConfigShape = {
  ...llmConfigShape,
  /** Prompt variant for notes that do not ask for one (NoteSubmitted.promptVariant overrides it per note). */
  LLM_PROMPT_VARIANT: z.enum(PROMPT_VARIANTS).default(DEFAULT_PROMPT_VARIANT),
};

export const llmEngineConfigSchema = z
  .object(llmEngineConfigShape)
  .superRefine((config, ctx) => requireLlmEndpoint(config, ctx, 'for the llm engine'));

export type LlmEngineConfig = z.infer<z.ZodObject<typeof llmEngineConfigShape>>;
