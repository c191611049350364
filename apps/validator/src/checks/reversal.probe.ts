import type { Span } from '#schemas';
import type { MedicationFacts } from './medication-facts.js';
import type { NoteText } from './note-text.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Reversal-consistency probe. An extraction says "this dose belongs to that drug"; the probe asks the question
 * backwards, "which drug does this dose belong to?", and flags the pair when the answer is another entry. It catches
 * attributes attached to the wrong drug in a list ("Lipitor 10 mg, Lutein 20 mg" read as Lutein 10 mg).
 *
 * Asking and judging are separate from answering so the answerer can be swapped: the span answerer here is
 * synchronous; an LLM answerer can answer the same questions asynchronously and hand its answers to `judgeReversal`.
 */

export type ReversalAttribute = 'dose' | 'frequency';

export interface ReversalQuestion {
  /** Index of the entry the extraction attached the attribute to. */
  readonly medication: number;
  readonly attribute: ReversalAttribute;
  readonly span: Span;
}

/** Indices of the entries the attribute belongs to (several when they share one name mention); null: cannot tell. */
export type ReversalAnswer = readonly number[] | null;
export type ReversalAnswerer = (question: ReversalQuestion) => ReversalAnswer;

/** One question per dose or frequency that has a verified span, for entries whose name has one too. */
export function buildReversalQuestions(facts: readonly MedicationFacts[]): ReversalQuestion[] {
  const questions: ReversalQuestion[] = [];
  for (const f of facts) {
    if (!f.name?.span) continue;
    if (f.dose?.span) questions.push({ medication: f.index, attribute: 'dose', span: f.dose.span });
    if (f.frequency?.span) questions.push({ medication: f.index, attribute: 'frequency', span: f.frequency.span });
  }
  return questions;
}

/** Flags each question whose answer is not the entry the extraction chose, and attributes claimed by two entries. */
export function judgeReversal(
  questions: readonly ReversalQuestion[],
  answers: readonly ReversalAnswer[],
): ValidationFlag[] {
  const flags: ValidationFlag[] = [];
  const claimedBy = new Map<string, number>();
  questions.forEach((q, i) => {
    const path = `/medications/${q.medication}/${q.attribute}`;
    const answer = answers[i] ?? null;
    if (answer !== null && !answer.includes(q.medication)) {
      flags.push(
        flag(
          'REVERSAL_INCONSISTENT',
          path,
          `this ${q.attribute} belongs to the medication mention of entry ${answer[0]} in the note, not to this entry`,
        ),
      );
      return;
    }
    // One to one: the same words in the note cannot be the dose of two separate entries.
    const key = `${q.attribute}:${q.span.start}:${q.span.end}`;
    const first = claimedBy.get(key);
    if (first === undefined) claimedBy.set(key, q.medication);
    else flags.push(flag('REVERSAL_INCONSISTENT', path, `this ${q.attribute} is also attached to entry ${first}`));
  });
  return flags;
}

interface NameMention {
  readonly start: number;
  readonly end: number;
  readonly owners: number[];
}

// Between an attribute and the name before it: a list or clause separator, so the attribute may start a new item.
const SEPARATOR_RE = /[,;]|\b(?:and|plus|then)\b/i;
// Between an attribute and the name after it: nothing but a space ("sliding scale insulin", "IV Lasix").
const ADJACENT_RE = /^\s{1,3}$/;

/**
 * Answers from the note itself: an attribute belongs to the medication name nearest to it, preferring the name that
 * precedes it in the same sentence or line (sigs follow the drug: "Lasix 40 mg p.o. daily"), then one that follows it
 * in the same sentence ("IV Lasix"), then the nearest by character distance. One exception to the preference: an
 * attribute that directly precedes a name after a separator belongs to that name ("Humalog 10 units a.c. and sliding
 * scale insulin").
 */
export function createSpanAnswerer(note: NoteText, facts: readonly MedicationFacts[]): ReversalAnswerer {
  const byOffsets = new Map<string, NameMention>();
  for (const f of facts) {
    const span = f.name?.span;
    if (!span) continue;
    const key = `${span.start}:${span.end}`;
    const existing = byOffsets.get(key);
    if (existing) existing.owners.push(f.index);
    else byOffsets.set(key, { start: span.start, end: span.end, owners: [f.index] });
  }
  const names = [...byOffsets.values()].sort((a, b) => a.start - b.start);

  return ({ span }) => {
    let before: NameMention | undefined;
    let after: NameMention | undefined;
    for (const name of names) {
      if (name.end <= span.start) before = name;
      else if (name.start >= span.end) {
        after = name;
        break;
      }
    }
    const beforeInSentence = before !== undefined && !note.hasBoundaryBetween(before.end, span.start);
    const afterInSentence = after !== undefined && !note.hasBoundaryBetween(span.end, after.start);
    if (
      before &&
      after &&
      beforeInSentence &&
      afterInSentence &&
      ADJACENT_RE.test(note.text.slice(span.end, after.start)) &&
      SEPARATOR_RE.test(note.text.slice(before.end, span.start))
    ) {
      return after.owners;
    }
    if (before && beforeInSentence) return before.owners;
    if (after && afterInSentence) return after.owners;
    if (before && after) return span.start - before.end <= after.start - span.end ? before.owners : after.owners;
    return (before ?? after)?.owners ?? null;
  };
}

/** Runs the probe with any synchronous answerer. */
export function runReversalProbe(facts: readonly MedicationFacts[], answerer: ReversalAnswerer): ValidationFlag[] {
  const questions = buildReversalQuestions(facts);
  return judgeReversal(questions, questions.map(answerer));
}
