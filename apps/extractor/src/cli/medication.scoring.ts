import { drugIdentity, normaliseFrequency, normaliseRoute, normaliseUnit } from '#clinical';

/**
 * Medication scoring as the gold guideline intends: per note, deduplicated sets of drug names and of (name, dose),
 * (name, frequency), (name, route) pairs after normalisation (generic drug identity, UCUM unit, frequency code up to
 * synonyms, route code), micro-averaged over notes.
 */

export const METRICS = ['name', 'dose', 'frequency', 'route'] as const;
export type Metric = (typeof METRICS)[number];

/** One medication as either side writes it, reduced to what scoring needs. */
export interface ScoredMedication {
  name: string;
  dose: { text: string; value: number | null; unit: string | null } | null;
  frequency: string | null;
  route: string | null;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}
export interface MetricScore extends Counts {
  precision: number;
  recall: number;
  f1: number;
}
export type Scores = Record<Metric, MetricScore>;

const squash = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9%/]+/g, ' ')
    .trim();

export function frequencyKey(text: string): string {
  const f = normaliseFrequency(text);
  if (!f || f.code === null) return squash(text);
  if (f.code === 'PRN') return 'PRN';
  return [...f.acceptedCodes].filter((c) => c !== 'PRN').sort()[0] ?? f.code;
}

export function routeKey(text: string): string {
  return normaliseRoute(text) ?? squash(text);
}

export function doseKey(d: NonNullable<ScoredMedication['dose']>): string {
  const unit = d.unit === null ? 'none' : (normaliseUnit(d.unit)?.code ?? squash(d.unit));
  const value = d.value === null ? 'none' : String(Math.round(d.value * 1e6) / 1e6);
  return `${value} ${unit}`;
}

export function noteKeys(meds: readonly ScoredMedication[]): Record<Metric, Set<string>> {
  const keys: Record<Metric, Set<string>> = {
    name: new Set(),
    dose: new Set(),
    frequency: new Set(),
    route: new Set(),
  };
  for (const m of meds) {
    const name = drugIdentity(m.name);
    if (!name) continue;
    keys.name.add(name);
    if (m.dose) keys.dose.add(`${name}|${doseKey(m.dose)}`);
    if (m.frequency) keys.frequency.add(`${name}|${frequencyKey(m.frequency)}`);
    if (m.route) keys.route.add(`${name}|${routeKey(m.route)}`);
  }
  return keys;
}

/** Precision, recall and F1 of counts (0 where undefined); every scored field of `clinex eval` uses it. */
export const score = (c: Counts): MetricScore => {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...c, precision, recall, f1 };
};

/** Scores predictions against gold; notes missing from the predictions count as predicting nothing. */
export function scoreMedications(
  gold: ReadonlyMap<string, readonly ScoredMedication[]>,
  pred: ReadonlyMap<string, readonly ScoredMedication[]>,
): { scores: Scores; notes: number; missingPredictions: string[] } {
  const counts: Record<Metric, Counts> = {
    name: { tp: 0, fp: 0, fn: 0 },
    dose: { tp: 0, fp: 0, fn: 0 },
    frequency: { tp: 0, fp: 0, fn: 0 },
    route: { tp: 0, fp: 0, fn: 0 },
  };
  const missing: string[] = [];
  for (const [id, goldMeds] of gold) {
    const p = pred.get(id);
    if (!p) missing.push(id);
    const g = noteKeys(goldMeds);
    const q = noteKeys(p ?? []);
    for (const metric of METRICS) {
      for (const k of q[metric])
        if (g[metric].has(k)) counts[metric].tp++;
        else counts[metric].fp++;
      for (const k of g[metric]) if (!q[metric].has(k)) counts[metric].fn++;
    }
  }
  const scores = Object.fromEntries(METRICS.map((m) => [m, score(counts[m])])) as Scores;
  return { scores, notes: gold.size, missingPredictions: missing };
}

/** One table row: label, precision, recall, F1 and the counts. */
export function scoreRow(label: string, s: MetricScore): string[] {
  return [
    label,
    s.precision.toFixed(3),
    s.recall.toFixed(3),
    s.f1.toFixed(3),
    String(s.tp),
    String(s.fp),
    String(s.fn),
  ];
}

/** The medication rows, then `extraRows` (other fields of the contract, already formatted) in the same columns. */
export function formatScoreTable(scores: Scores, extraRows: readonly string[][] = []): string {
  const rows = [['metric', 'precision', 'recall', 'f1', 'tp', 'fp', 'fn']];
  for (const m of METRICS) rows.push(scoreRow(m === 'name' ? 'name' : `name+${m}`, scores[m]));
  rows.push(...extraRows);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}
