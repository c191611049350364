import { describe, expect, it } from '@jest/globals';
import { toClinicalExtraction } from '../../apps/extractor/src/engines/llm/extraction.mapper.js';
import { loadPromptExamples } from '../../apps/extractor/src/engines/llm/prompt-examples.js';
import { SpanLocator } from '../../apps/extractor/src/engines/llm/span.locator.js';
import { validateExtraction } from '#validation';

/**
 * The few-shot examples teach by example, so each must be right by our own rules: every value copied from its note
 * (found by the engine's locator) and the validator satisfied. A reviewer's edit to the examples file that breaks
 * this fails here.
 */
describe('prompt examples (examples.v2.json)', () => {
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

      // Each entry is placed where its evidence quote is, and no two entries share a place.
      const locator = new SpanLocator(example.note);
      const placed = [
        ...example.output.medications.map((m, i) => [m.evidence, extraction.medications[i]!.name.span] as const),
        ...example.output.diagnoses.map((c, i) => [c.evidence, extraction.diagnoses[i]!.span] as const),
        ...example.output.symptoms.map((c, i) => [c.evidence, extraction.symptoms[i]!.span] as const),
        ...example.output.labs.map((l, i) => [l.evidence, extraction.labs[i]!.value.span] as const),
        ...example.output.followUps.map((f, i) => [f.evidence, extraction.followUps[i]!.span] as const),
      ];
      for (const [evidence, span] of placed) {
        const quotes = locator.quotePlaces(evidence);
        expect(quotes.length).toBeGreaterThan(0);
        expect(quotes.some((q) => span!.start >= q.start && span!.end <= q.end)).toBe(true);
      }
      const keys = placed.map(([, span]) => `${span!.start}:${span!.end}`);
      expect(new Set(keys).size).toBe(keys.length);
    },
  );

  it('show what the issue asked of them: a long dictated note without an age, vitals, family history, repeats and a combination dose', () => {
    const [long] = examples.examples;
    expect(long!.note.length).toBeGreaterThan(1500);
    expect(long!.output.patient.age).toBeNull();
    expect(long!.note).toMatch(/VITAL SIGNS:/);
    expect(long!.note).toMatch(/FAMILY HISTORY:/);
    const names = long!.output.medications.map((m) => m.name.toLowerCase());
    expect(names.length).toBeGreaterThan(new Set(names).size);
    expect(long!.output.medications.some((m) => m.dose !== null && m.doseValue === null)).toBe(true);
  });
});
