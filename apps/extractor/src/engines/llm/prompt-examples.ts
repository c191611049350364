import { Type, type Static } from '@sinclair/typebox';
import { compileContract } from '#schemas';
import examplesV2 from './prompts/examples.v2.json' with { type: 'json' };
import { LlmOutputSchema } from './llm-output.schema.js';

/**
 * Worked examples for the few-shot prompts, from a versioned, reviewable data file (prompts/examples.v<N>.json). A
 * change to the examples is a new file and a new engine version, so extractions record which examples shaped them.
 */
const PromptExamplesSchema = Type.Object(
  {
    version: Type.String({ pattern: '^examples\\.v[0-9]+$' }),
    description: Type.String(),
    review: Type.Object({ writtenBy: Type.String(), clinicalReview: Type.String() }, { additionalProperties: false }),
    examples: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1 }),
          /** What the example shows the model; for reviewers. */
          teaches: Type.String(),
          note: Type.String({ minLength: 1 }),
          /** The working notes shown in the chain-of-thought variants. */
          reasoning: Type.String({ minLength: 1 }),
          /** In the format the model is asked for: every entry with its evidence quote. */
          output: LlmOutputSchema,
        },
        { additionalProperties: false },
      ),
      { minItems: 3 },
    ),
  },
  { additionalProperties: false },
);
export type PromptExamples = Static<typeof PromptExamplesSchema>;
export type PromptExample = PromptExamples['examples'][number];

const checkExamples = compileContract(PromptExamplesSchema);

/** Validates an examples document; the engine refuses to start on a bad file (naming the JSON paths at fault). */
export function loadPromptExamples(data: unknown = examplesV2): PromptExamples {
  const result = checkExamples(data);
  if (!result.ok) {
    throw new Error(`invalid prompt examples: ${result.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  }
  return result.value;
}
