import type { EntitySpan } from './bio.decoder.js';

/**
 * A problem phrase is several words ("pulmonary embolism", "left ankle pain"), and the model may tag its words as
 * separate entities, or tag one word a diagnosis and the next a symptom. Problem entities separated only by a space or
 * a hyphen within one line are one phrase: they are joined, typed by their longest piece, with the mean confidence.
 */
const PROBLEM_TARGETS: ReadonlySet<EntitySpan['target']> = new Set(['diagnosis', 'symptom']);
const PHRASE_GAP_RE = /^(?: |-| - )$/;

export function joinProblemPieces(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  const sorted = [...entities].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: EntitySpan[] = [];
  let run: EntitySpan[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    if (run.length === 1) out.push(run[0]!);
    else {
      const longest = run.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
      out.push({
        ...longest,
        start: run[0]!.start,
        end: run[run.length - 1]!.end,
        confidence: run.reduce((s, e) => s + e.confidence, 0) / run.length,
      });
    }
    run = [];
  };
  for (const e of sorted) {
    if (!PROBLEM_TARGETS.has(e.target)) {
      out.push(e);
      continue;
    }
    const prev = run[run.length - 1];
    if (prev && !(e.start >= prev.end && PHRASE_GAP_RE.test(text.slice(prev.end, e.start)))) flush();
    run.push(e);
  }
  flush();
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

/**
 * The problem guideline's span excludes articles, possessives and the words that negate it ("denies [chest pain]",
 * "no [fever]", "his [hypertension]"); a model trained partly on other conventions includes them at times.
 */
const LEADING_NON_PROBLEM_RE =
  /^(?:(?:a|an|the|his|her|their|its|my|your|patient's|no|not|denies|denied|without|negative for|free of|any|some)\s+)+/i;

export function trimProblemEdges(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.map((e) => {
    if (!PROBLEM_TARGETS.has(e.target)) return e;
    const lead = LEADING_NON_PROBLEM_RE.exec(text.slice(e.start, e.end))?.[0].length ?? 0;
    return lead > 0 && lead < e.end - e.start ? { ...e, start: e.start + lead } : e;
  });
}
