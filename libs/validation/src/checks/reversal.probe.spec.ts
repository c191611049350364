import { describe, expect, it } from '@jest/globals';
import type { Medication, Span } from '#schemas';
import { collectMedicationFacts } from './medication-facts.js';
import { NoteText } from './note-text.js';
import {
  buildReversalQuestions,
  createSpanAnswerer,
  judgeReversal,
  runReversalProbe,
  type ReversalAnswerer,
} from './reversal.probe.js';
import type { ValidationFlag } from './validation-flag.js';

function at(note: string, text: string, from = 0): Span {
  const start = note.indexOf(text, from);
  if (start < 0) throw new Error(`fixture text not in note: ${text}`);
  return { text, start, end: start + text.length };
}

function entry(note: string, name: Span, dose: Span | null): Medication {
  return {
    name: { text: name.text, span: name },
    dose: dose && { text: dose.text, span: dose, value: null, unit: null },
    frequency: null,
    route: null,
    status: 'current',
    confidence: 1,
  };
}

function factsOf(note: string, meds: Medication[]) {
  const flags: ValidationFlag[] = [];
  return { note: new NoteText(note), facts: collectMedicationFacts(new NoteText(note), meds, flags) };
}

describe('reversal probe', () => {
  const text = 'MEDICATIONS: Lipitor 10 mg daily, Lutein 20 mg daily. Plan: IV Lasix 40 mg now.';

  it('finds each dose belongs to the name before it in the same sentence', () => {
    const { note, facts } = factsOf(text, [
      entry(text, at(text, 'Lipitor'), at(text, '10 mg')),
      entry(text, at(text, 'Lutein'), at(text, '20 mg')),
      entry(text, at(text, 'Lasix'), at(text, '40 mg')),
    ]);
    expect(runReversalProbe(facts, createSpanAnswerer(note, facts))).toEqual([]);
  });

  it('flags doses attached to the neighbouring drug', () => {
    const { note, facts } = factsOf(text, [
      entry(text, at(text, 'Lipitor'), at(text, '20 mg')),
      entry(text, at(text, 'Lutein'), at(text, '10 mg')),
    ]);
    const flags = runReversalProbe(facts, createSpanAnswerer(note, facts));
    expect(flags.map((f) => [f.code, f.path])).toEqual([
      ['REVERSAL_INCONSISTENT', '/medications/0/dose'],
      ['REVERSAL_INCONSISTENT', '/medications/1/dose'],
    ]);
  });

  it('holds one attribute to one entry', () => {
    const { note, facts } = factsOf(text, [
      entry(text, at(text, 'Lipitor'), at(text, '10 mg')),
      entry(text, at(text, 'Lipitor'), at(text, '10 mg')),
    ]);
    // Both share one name mention, so both are owners; the second claim on the same words is still flagged.
    expect(runReversalProbe(facts, createSpanAnswerer(note, facts)).map((f) => f.path)).toEqual([
      '/medications/1/dose',
    ]);
  });

  it('asks nothing about attributes or names without verified spans', () => {
    const { facts } = factsOf(text, [
      { ...entry(text, at(text, 'Lipitor'), at(text, '10 mg')), name: { text: 'Lipitor', span: null } },
    ]);
    expect(buildReversalQuestions(facts)).toEqual([]);
  });

  it('takes any answerer: the judge only compares answers with the entries the extraction chose', () => {
    const { facts } = factsOf(text, [
      entry(text, at(text, 'Lipitor'), at(text, '10 mg')),
      entry(text, at(text, 'Lutein'), at(text, '20 mg')),
    ]);
    const alwaysFirst: ReversalAnswerer = () => [0];
    const cannotTell: ReversalAnswerer = () => null;
    expect(runReversalProbe(facts, alwaysFirst).map((f) => f.path)).toEqual(['/medications/1/dose']);
    expect(runReversalProbe(facts, cannotTell)).toEqual([]);
    // The asynchronous form: questions out, answers back in.
    const questions = buildReversalQuestions(facts);
    expect(
      judgeReversal(
        questions,
        questions.map(() => [1]),
      ),
    ).toHaveLength(1);
  });
});
