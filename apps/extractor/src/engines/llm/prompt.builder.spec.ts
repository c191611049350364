import { describe, expect, it } from '@jest/globals';
import { buildExtractionPrompt, buildRepairMessages } from './prompt.builder.js';
import { loadPromptExamples } from './prompt-examples.js';
import { PROMPT_VARIANTS, variantSpec } from './prompt-variants.js';

const examples = loadPromptExamples();
const NOTE = 'Pt is a 70 yo man. Lisinopril 10 mg PO daily. Denies chest pain.';

describe('extraction prompt', () => {
  describe.each(PROMPT_VARIANTS)('%s', (variant) => {
    const prompt = buildExtractionPrompt(variant, NOTE, examples);
    const { shots, chainOfThought } = variantSpec(variant);

    it('has the system message, one exchange per example, then the note', () => {
      expect(prompt.messages.map((m) => m.role)).toEqual([
        'system',
        ...Array.from({ length: shots }, () => ['user', 'assistant']).flat(),
        'user',
      ]);
      examples.examples.slice(0, shots).forEach((example, i) => {
        expect(prompt.messages[1 + 2 * i]!.content).toContain(example.note);
        const shown = JSON.parse(prompt.messages[2 + 2 * i]!.content) as Record<string, unknown>;
        expect(Object.keys(shown)[0]).toBe(chainOfThought ? 'reasoning' : 'patient');
      });
    });

    it('puts the note only in the last message, inside its delimited block', () => {
      const last = prompt.messages.at(-1)!.content;
      expect(last).toMatch(new RegExp(`\\nBEGIN NOTE ([0-9a-f]{16})\\n${escape(NOTE)}\\nEND NOTE \\1$`));
      for (const m of prompt.messages.slice(0, -1)) expect(m.content).not.toContain('Lisinopril 10 mg');
    });

    it('asks for the reasoning field only in the chain-of-thought variants', () => {
      expect(prompt.schema.name).toBe(chainOfThought ? 'clinical_extraction_with_reasoning' : 'clinical_extraction');
      expect(Object.keys(prompt.schema.schema['properties'] as object)[0]).toBe(
        chainOfThought ? 'reasoning' : 'patient',
      );
      expect(prompt.messages[0]!.content.includes('"reasoning"')).toBe(chainOfThought);
    });

    it('matches the reviewed snapshot', () => {
      expect(prompt.messages).toMatchSnapshot();
    });
  });

  it('is deterministic for a note (stable prefix for prompt caching)', () => {
    expect(buildExtractionPrompt('three-shot', NOTE, examples)).toEqual(
      buildExtractionPrompt('three-shot', NOTE, examples),
    );
  });

  it('builds the repair prompt from the conversation, the bad answer and the problem', () => {
    const prompt = buildExtractionPrompt('zero-shot', NOTE, examples);
    const repair = buildRepairMessages(prompt, '{"patient": ', 'the JSON was cut off before it ended', true);
    expect(repair.slice(0, prompt.messages.length)).toEqual(prompt.messages);
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: '{"patient": ' });
    expect(repair.at(-1)).toMatchSnapshot();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
