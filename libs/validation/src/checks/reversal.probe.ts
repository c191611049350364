import { drugIdentity } from '#clinical';
import type { Span } from '#schemas';
import type { MedicationFacts } from './medication-facts.js';
import type { NoteText } from './note-text.js';
import { spansOverlap } from './span-boundary.js';
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
          answer.length === 0
            ? `this ${q.attribute} belongs to a medication name in the note that the extraction does not list`
            : `this ${q.attribute} belongs to the medication mention of entry ${answer[0]} in the note, not to this entry`,
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
  /** Drug identity of a name no entry lists (null for listed names, whose entries carry their own). */
  readonly identity: string | null;
}

// Between an attribute and the name before it: a list or clause separator, so the attribute may start a new item.
const SEPARATOR_RE = /[,;]|\b(?:and|plus|then|with)\b/i;
// Between an attribute and the name after it: nothing but a space ("sliding scale insulin", "IV Lasix").
const ADJACENT_RE = /^\s{1,3}$/;
// An amount "of" a drug, with at most a strength or a few words between: "3 mg of Versed", "1 cc of 4% lidocaine".
const OF_RE = /^\s+of\s+(?:(?:\d+(?:\.\d+)?\s*%|[a-z][a-z-]*)\s+){0,3}$/i;

/**
 * Answers from the note itself: an attribute belongs to the medication name nearest to it, preferring the name that
 * precedes it in the same sentence or line (sigs follow the drug: "Lasix 40 mg p.o. daily"), then one that follows it
 * in the same sentence ("IV Lasix"), then the nearest by character distance. Two exceptions to the preference: an
 * amount "of" the name after it belongs to that name ("3 mg of Versed"), and an attribute that directly precedes a
 * name after a separator belongs to that name ("Humalog 10 units a.c. and sliding scale insulin").
 *
 * `unlisted` are drug names found in the note that no entry names (the lexicon's second opinion); an attribute whose
 * nearest name is one of them is answered with no owner, which the judge reads as "belongs to another drug". A name
 * of the same drug as the asking entry (another mention of it) answers for that entry: the drug is right.
 */
export function createSpanAnswerer(
  note: NoteText,
  facts: readonly MedicationFacts[],
  unlisted: readonly Span[] = [],
): ReversalAnswerer {
  const byOffsets = new Map<string, NameMention>();
  for (const f of facts) {
    const span = f.name?.span;
    if (!span) continue;
    const key = `${span.start}:${span.end}`;
    const existing = byOffsets.get(key);
    if (existing) existing.owners.push(f.index);
    else byOffsets.set(key, { start: span.start, end: span.end, owners: [f.index], identity: null });
  }
  const listed = [...byOffsets.values()];
  const overlapsListed = (s: Span) => listed.some((n) => spansOverlap(s, n));
  const others = unlisted
    .filter((s) => !overlapsListed(s))
    .map((s) => ({ start: s.start, end: s.end, owners: [], identity: drugIdentity(s.text) }));
  const names = [...listed, ...others].sort((a, b) => a.start - b.start);
  const identityOf = new Map(facts.map((f) => [f.index, f.identity]));
  const find = choose(note, names);

  return (question) => {
    const chosen = find(question.span);
    if (chosen === null) return null;
    const own = identityOf.get(question.medication);
    const sameDrug =
      chosen.identity !== null ? chosen.identity === own : chosen.owners.some((o) => identityOf.get(o) === own);
    return sameDrug && !chosen.owners.includes(question.medication) ? [question.medication] : chosen.owners;
  };
}

/** The name an attribute at `span` belongs to, by the preferences above; null when the note has no name. */
function choose(note: NoteText, names: readonly NameMention[]): (span: Span) => NameMention | null {
  return (span) => {
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
    if (after && afterInSentence && OF_RE.test(note.text.slice(span.end, after.start))) return after;
    if (
      before &&
      after &&
      beforeInSentence &&
      afterInSentence &&
      ADJACENT_RE.test(note.text.slice(span.end, after.start)) &&
      SEPARATOR_RE.test(note.text.slice(before.end, span.start))
    ) {
      return after;
    }
    if (before && beforeInSentence) return before;
    if (after && afterInSentence) return after;
    if (before && after) return span.start - before.end <= after.start - span.end ? before : after;
    return before ?? after ?? null;
  };
}

/** Runs the probe with any synchronous answerer. */
export function runReversalProbe(facts: readonly MedicationFacts[], answerer: ReversalAnswerer): ValidationFlag[] {
  const questions = buildReversalQuestions(facts);
  return judgeReversal(questions, questions.map(answerer));
}
