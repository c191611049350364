import { describe, expect, it } from '@jest/globals';
import { toClinicalExtraction } from '../../apps/extractor/src/engines/llm/extraction.mapper.js';
import { loadPromptExamples } from '../../apps/extractor/src/engines/llm/prompt-examples.js';
import { validateExtraction } from '../../apps/validator/src/validation/extraction-validator.js';

/**
 * The few-shot examples teach by example, so each must be right by our own rules: every value copied from its note
 * (found by the engine's locator) and the validator satisfied. A reviewer's edit to the examples file that breaks
 * this fails here.
 */
describe('prompt examples (examples.v1.json)', () => {
  const examples = loadPromptExamples();

  it.each(examples.examples.map((e) => [e.id, e] as const))(
    '%s is grounded and accepted by the validator',
    (_id, example) => {
      const extraction = toClinicalExtraction(example.output, {
        noteId: example.id,
        noteText: example.note,
        engine: { name: 'llm', model: 'examples', version: examples.version },
      });
      const mentions = [
        ...extraction.medications.flatMap((m) => [m.name, m.dose, m.frequency, m.route]),
        ...extraction.diagnoses,
        ...extraction.symptoms,
        ...extraction.labs.flatMap((l) => [l.name, l.value, l.unit]),
        ...extraction.followUps.flatMap((f) => [f, f.with]),
        extraction.patient.age,
      ].filter((m) => m !== null && m !== undefined);
      for (const m of mentions) expect(m.span).not.toBeNull();
      expect(extraction.patient.sex.span).not.toBeNull();
      const outcome = validateExtraction(example.note, extraction);
      expect(outcome.flags.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(outcome.status).toBe('accepted');
    },
  );
});
