/**
 * Scoring of the non-medication fields of the contract against the annotated corpus (data/corpus): problems, labs,
 * follow-ups, age and sex. Medications keep their own set-based scoring (medication.scoring.ts), as the medication
 * guideline intends; the fields here are scored per mention, because the guidelines annotate one entry per mention.
 *
 * - problems: diagnoses and symptoms together (annotators split findings between the two lists differently, see
 *   data/corpus/README.md), one-to-one matching of spans; `relaxed` = the spans overlap, `exact` = same offsets;
 *   negation is scored on the relaxed matches.
 * - labs: the name spans overlap and the value numbers are equal (the value texts, squashed, when either number is null).
 * - follow-ups: the spans overlap, and the intervals are equal when both give one.
 * - age: the note's value and unit; sex: the note's value ('unknown' counts as not stated).
 * A predicted mention without a span (an LLM value the locator could not place) matches by its text instead.
 */
import { score, scoreRow, type Counts, type MetricScore } from './medication.scoring.js';

export interface ScoredSpan {
  text: string;
  start: number | null;
  end: number | null;
}
export interface ScoredProblem extends ScoredSpan {
  negated: boolean;
}
export interface ScoredLab {
  name: ScoredSpan;
  valueText: string | null;
  value: number | null;
}
export interface ScoredFollowUp extends ScoredSpan {
  interval: { value: number; unit: string } | null;
}
/** One note's fields; a field that is undefined was not annotated (gold) and is not scored. */
export interface ScoredNote {
  problems?: ScoredProblem[];
  labs?: ScoredLab[];
  followUps?: ScoredFollowUp[];
  age?: { value: number; unit: string } | null;
  sex?: 'female' | 'male' | null;
}

export const CONTRACT_METRICS = ['problems', 'problems_exact', 'labs', 'follow_ups', 'age', 'sex'] as const;
export type ContractMetric = (typeof CONTRACT_METRICS)[number];
export interface ContractScores {
  scores: Partial<Record<ContractMetric, MetricScore>>;
  /** Share of relaxed problem matches whose negation agrees (null when nothing matched). */
  negationAccuracy: number | null;
}

const squash = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.%/]+/g, ' ')
    .trim();

function overlaps(a: ScoredSpan, b: ScoredSpan): boolean {
  if (a.start === null || a.end === null || b.start === null || b.end === null)
    return squash(a.text) === squash(b.text);
  return a.start < b.end && b.start < a.end;
}

function sameOffsets(a: ScoredSpan, b: ScoredSpan): boolean {
  if (a.start === null || b.start === null) return squash(a.text) === squash(b.text);
  return a.start === b.start && a.end === b.end;
}

/**
 * One-to-one matching: each gold item takes the first unused prediction that matches it, gold items in note order.
 * Returns the matched pairs (gold index, prediction index).
 */
function match<G, P>(gold: readonly G[], pred: readonly P[], ok: (g: G, p: P) => boolean): [number, number][] {
  const used = new Set<number>();
  const pairs: [number, number][] = [];
  gold.forEach((g, gi) => {
    const pi = pred.findIndex((p, i) => !used.has(i) && ok(g, p));
    if (pi >= 0) {
      used.add(pi);
      pairs.push([gi, pi]);
    }
  });
  return pairs;
}

function add(c: Counts, gold: number, pred: number, matched: number): void {
  c.tp += matched;
  c.fp += pred - matched;
  c.fn += gold - matched;
}

const sameNumber = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

function labMatches(g: ScoredLab, p: ScoredLab): boolean {
  if (!overlaps(g.name, p.name)) return false;
  if (g.value !== null && p.value !== null) return sameNumber(g.value, p.value);
  return g.valueText !== null && p.valueText !== null && squash(g.valueText) === squash(p.valueText);
}

function followUpMatches(g: ScoredFollowUp, p: ScoredFollowUp): boolean {
  if (!overlaps(g, p)) return false;
  if (g.interval && p.interval)
    return sameNumber(g.interval.value, p.interval.value) && g.interval.unit === p.interval.unit;
  return true;
}

/** Scores predictions against gold for every field the gold annotates; a note without a prediction predicts nothing. */
export function scoreContract(
  gold: ReadonlyMap<string, ScoredNote>,
  pred: ReadonlyMap<string, ScoredNote>,
): ContractScores {
  const counts = Object.fromEntries(CONTRACT_METRICS.map((m) => [m, { tp: 0, fp: 0, fn: 0 }])) as Record<
    ContractMetric,
    Counts
  >;
  const scored = new Set<ContractMetric>();
  let negationAgree = 0;
  let negationPairs = 0;
  for (const [id, g] of gold) {
    const p = pred.get(id) ?? {};
    if (g.problems) {
      scored.add('problems').add('problems_exact');
      const pp = p.problems ?? [];
      const relaxed = match(g.problems, pp, overlaps);
      add(counts.problems, g.problems.length, pp.length, relaxed.length);
      add(counts.problems_exact, g.problems.length, pp.length, match(g.problems, pp, sameOffsets).length);
      for (const [gi, pi] of relaxed) {
        negationPairs++;
        if (g.problems[gi]!.negated === pp[pi]!.negated) negationAgree++;
      }
    }
    if (g.labs) {
      scored.add('labs');
      const pl = p.labs ?? [];
      add(counts.labs, g.labs.length, pl.length, match(g.labs, pl, labMatches).length);
    }
    if (g.followUps) {
      scored.add('follow_ups');
      const pf = p.followUps ?? [];
      add(counts.follow_ups, g.followUps.length, pf.length, match(g.followUps, pf, followUpMatches).length);
    }
    if (g.age !== undefined) {
      scored.add('age');
      const pa = p.age ?? null;
      const ok = g.age !== null && pa !== null && sameNumber(g.age.value, pa.value) && g.age.unit === pa.unit;
      add(counts.age, g.age ? 1 : 0, pa ? 1 : 0, ok ? 1 : 0);
    }
    if (g.sex !== undefined) {
      scored.add('sex');
      const ps = p.sex ?? null;
      add(counts.sex, g.sex ? 1 : 0, ps ? 1 : 0, g.sex !== null && g.sex === ps ? 1 : 0);
    }
  }
  const scores: ContractScores['scores'] = {};
  for (const m of CONTRACT_METRICS) if (scored.has(m)) scores[m] = score(counts[m]);
  return { scores, negationAccuracy: negationPairs === 0 ? null : negationAgree / negationPairs };
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * A span in either format: the corpus writes `{text, start, end}`; the contract writes mentions `{text, span}` whose
 * span may be null.
 */
function spanOf(v: unknown): ScoredSpan | null {
  if (!isObj(v)) return null;
  const inner = isObj(v['span']) ? v['span'] : v;
  const text = typeof v['text'] === 'string' ? v['text'] : typeof inner['text'] === 'string' ? inner['text'] : null;
  if (text === null) return null;
  return { text, start: num(inner['start']), end: num(inner['end']) };
}

/** Reads one line of either the corpus format or a ClinicalExtraction into what scoring needs. */
export function toScoredNote(line: Json): ScoredNote {
  const note: ScoredNote = {};
  if (Array.isArray(line['diagnoses']) || Array.isArray(line['symptoms'])) {
    note.problems = [];
    for (const key of ['diagnoses', 'symptoms'] as const) {
      for (const c of (line[key] as unknown[] | undefined) ?? []) {
        const s = spanOf(c);
        if (s && isObj(c)) note.problems.push({ ...s, negated: c['negated'] === true });
      }
    }
  }
  if (Array.isArray(line['labs'])) {
    note.labs = [];
    for (const l of line['labs'] as unknown[]) {
      if (!isObj(l)) continue;
      const name = spanOf(l['name']);
      if (!name) continue;
      const v = l['value'];
      const valueText = isObj(v) && typeof v['text'] === 'string' ? v['text'] : null;
      const value = 'value_number' in l ? num(l['value_number']) : isObj(v) ? num(v['value']) : null;
      note.labs.push({ name, valueText, value });
    }
  }
  if (Array.isArray(line['followUps'])) {
    note.followUps = [];
    for (const f of line['followUps'] as unknown[]) {
      const s = spanOf(f);
      if (!s || !isObj(f)) continue;
      const i = f['interval'];
      const interval =
        isObj(i) && num(i['value']) !== null && typeof i['unit'] === 'string'
          ? { value: num(i['value'])!, unit: i['unit'] }
          : null;
      note.followUps.push({ ...s, interval });
    }
  }
  if (isObj(line['patient'])) {
    const pat = line['patient'];
    const age = pat['age'];
    note.age =
      isObj(age) && num(age['value']) !== null && typeof age['unit'] === 'string'
        ? { value: num(age['value'])!, unit: age['unit'] }
        : null;
    const sex = isObj(pat['sex']) ? pat['sex']['value'] : null;
    note.sex = sex === 'female' || sex === 'male' ? sex : null;
  }
  return note;
}

const LABELS: Record<ContractMetric, string> = {
  problems: 'problems (relaxed)',
  problems_exact: 'problems (exact)',
  labs: 'labs (name+value)',
  follow_ups: 'follow-ups',
  age: 'age',
  sex: 'sex',
};

export function formatContractRows(result: ContractScores): string[][] {
  const rows: string[][] = [];
  for (const m of CONTRACT_METRICS) {
    const s = result.scores[m];
    if (!s) continue;
    rows.push(scoreRow(LABELS[m], s));
  }
  return rows;
}
