import { isWithinPointer, needsReview, type ValidationFlag, type ValidationOutcome } from '#validation';

/**
 * Flag evaluation: which of an engine's predicted items are wrong (by the same matching as `clinex eval`), and which
 * of them the validator flagged. The matching itself belongs to the extractor's scoring and arrives through
 * `FlagEvalScoring` (wired by the CLI's composition root), so this module never imports another app.
 *
 * An item is one predicted medication entry (and its name, dose, frequency and route), one problem (a diagnosis or
 * symptom), one lab, one follow-up, the age or the sex. An item counts as flagged when a warning or error flag points
 * at it: its own JSON pointer or one below it (for an attribute of a medication: the attribute's pointer, or the
 * entry's own). Nothing here reads or returns note text or extracted values; items are named by note id and pointer.
 */

export const ITEM_FIELDS = [
  'medication',
  'name',
  'dose',
  'frequency',
  'route',
  'problem',
  'lab',
  'follow_up',
  'age',
  'sex',
] as const;
export type ItemField = (typeof ITEM_FIELDS)[number];

type MedicationAttribute = 'name' | 'dose' | 'frequency' | 'route';

/** The note fields contract scoring reads; every one is optional, so a note with a single field is a note. */
export interface ScoredNoteShape {
  problems?: readonly unknown[];
  labs?: readonly unknown[];
  followUps?: readonly unknown[];
  age?: unknown;
  sex?: unknown;
}

/** The extractor's scoring (apps/extractor/src/cli/medication.scoring.ts, contract.scoring.ts), as this module uses it. */
export interface FlagEvalScoring<M, N extends ScoredNoteShape> {
  /** `clinex eval`'s reading of one medication, gold or contract form; null when it has no name. */
  toScoredMedication(medication: unknown): M | null;
  /** Per-note deduplicated keys of names and name+attribute pairs after normalisation. */
  medicationKeys(medications: readonly M[]): Record<MedicationAttribute, Set<string>>;
  /** A corpus line or a ClinicalExtraction, read into what contract scoring needs. */
  toScoredNote(line: Record<string, unknown>): N;
  /** One-to-one matching of each field the gold annotates; only true positives are read here. */
  scoreContract(
    gold: ReadonlyMap<string, N>,
    pred: ReadonlyMap<string, N>,
  ): { scores: Partial<Record<string, { tp: number }>> };
}

/** One predicted item with its label and the codes of the flags on it (any severity). */
export interface LabelledItem {
  readonly noteId: string;
  readonly field: ItemField;
  /** JSON pointer of the item in the extraction. */
  readonly path: string;
  readonly correct: boolean;
  /** Codes of warning and error flags on the item. */
  readonly reviewCodes: readonly string[];
  /** Codes of info flags on the item. */
  readonly infoCodes: readonly string[];
}

/** One note: its gold annotation, the engine's output (null when the engine failed) and the validation outcome. */
export interface EvaluatedNote {
  readonly id: string;
  readonly gold: Record<string, unknown>;
  readonly extraction: Record<string, unknown> | null;
  readonly outcome: ValidationOutcome | null;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

/**
 * Per predicted item of one field, whether the greedy one-to-one matching of contract scoring pairs it with a gold
 * item. The matching takes, for each gold item in order, the first unused prediction that matches; adding a
 * prediction at the end never changes earlier pairs, so prediction k is matched exactly when scoring the first k+1
 * predictions finds one more true positive than scoring the first k.
 */
function matchedByPrefix<N extends ScoredNoteShape>(
  scoring: FlagEvalScoring<unknown, N>,
  id: string,
  gold: N,
  pred: N,
  key: 'problems' | 'labs' | 'followUps',
  metric: string,
): boolean[] {
  const goldItems = gold[key];
  const predItems = pred[key] ?? [];
  if (goldItems === undefined) return [];
  // A note holding one field is a scored note: every field of one is optional.
  const only = (items: readonly unknown[]) => ({ [key]: items }) as unknown as N;
  const goldMap = new Map([[id, only(goldItems)]]);
  const tp = (k: number): number =>
    scoring.scoreContract(goldMap, new Map([[id, only(predItems.slice(0, k))]])).scores[metric]?.tp ?? 0;
  const out: boolean[] = [];
  let before = 0;
  for (let k = 1; k <= predItems.length; k++) {
    const now = tp(k);
    out.push(now > before);
    before = now;
  }
  return out;
}

function scalarMatched<N extends ScoredNoteShape>(
  scoring: FlagEvalScoring<unknown, N>,
  id: string,
  gold: N,
  pred: N,
  key: 'age' | 'sex',
): boolean {
  const only = (value: unknown) => ({ [key]: value }) as unknown as N;
  return (
    (scoring.scoreContract(new Map([[id, only(gold[key])]]), new Map([[id, only(pred[key])]])).scores[key]?.tp ?? 0) > 0
  );
}

/** Labels every predicted item of one note and attaches the flags that point at it. */
export function labelNote<M, N extends ScoredNoteShape>(
  scoring: FlagEvalScoring<M, N>,
  note: EvaluatedNote,
): LabelledItem[] {
  const { id, gold, extraction, outcome } = note;
  if (extraction === null) return [];
  const flags: readonly ValidationFlag[] = outcome?.flags ?? [];
  // A rejected extraction goes to review whole: every item in it counts as flagged by the schema failure.
  const rejected = outcome?.status === 'rejected';
  /** Codes of the flags at or below one of `within`, or exactly at one of `at`. */
  const codesOn = (within: readonly string[], at: readonly string[] = []): { review: string[]; info: string[] } => {
    const on = flags.filter((f) => within.some((r) => isWithinPointer(f.path, r)) || at.includes(f.path));
    const review = on.filter(needsReview).map((f) => f.code);
    if (rejected) review.push('SCHEMA_INVALID');
    return { review: [...new Set(review)], info: [...new Set(on.filter((f) => !needsReview(f)).map((f) => f.code))] };
  };
  const items: LabelledItem[] = [];
  const push = (
    field: ItemField,
    path: string,
    correct: boolean,
    within: readonly string[],
    at?: readonly string[],
  ) => {
    const { review, info } = codesOn(within, at);
    items.push({ noteId: id, field, path, correct, reviewCodes: review, infoCodes: info });
  };

  const goldMedications = Array.isArray(gold['medications']) ? (gold['medications'] as unknown[]) : null;
  if (goldMedications) {
    const goldKeys = scoring.medicationKeys(
      goldMedications.map((m) => scoring.toScoredMedication(m)).filter((m): m is M => m !== null),
    );
    list(extraction['medications']).forEach((raw, i) => {
      const path = `/medications/${i}`;
      const scored = scoring.toScoredMedication(raw);
      const own = scoring.medicationKeys(scored ? [scored] : []);
      const nameRight = own.name.size > 0 && [...own.name].every((k) => goldKeys.name.has(k));
      let entryRight = nameRight;
      // A flag on the entry's own pointer is a flag on each of its parts.
      push('name', `${path}/name`, nameRight, [`${path}/name`], [path]);
      for (const attribute of ['dose', 'frequency', 'route'] as const) {
        if (!isObj(raw) || !isObj(raw[attribute])) continue;
        const right = own[attribute].size > 0 && [...own[attribute]].every((k) => goldKeys[attribute].has(k));
        entryRight &&= right;
        push(attribute, `${path}/${attribute}`, right, [`${path}/${attribute}`], [path]);
      }
      push('medication', path, entryRight, [path]);
    });
  }

  const goldNote = scoring.toScoredNote(gold);
  const predNote = scoring.toScoredNote(extraction);
  const diagnoses = list(extraction['diagnoses']).length;
  matchedByPrefix(scoring, id, goldNote, predNote, 'problems', 'problems').forEach((right, k) => {
    const path = k < diagnoses ? `/diagnoses/${k}` : `/symptoms/${k - diagnoses}`;
    push('problem', path, right, [path]);
  });
  matchedByPrefix(scoring, id, goldNote, predNote, 'labs', 'labs').forEach((right, k) =>
    push('lab', `/labs/${k}`, right, [`/labs/${k}`]),
  );
  matchedByPrefix(scoring, id, goldNote, predNote, 'followUps', 'follow_ups').forEach((right, k) =>
    push('follow_up', `/followUps/${k}`, right, [`/followUps/${k}`]),
  );
  if (goldNote.age !== undefined && predNote.age != null) {
    push('age', '/patient/age', scalarMatched(scoring, id, goldNote, predNote, 'age'), ['/patient/age']);
  }
  if (goldNote.sex !== undefined && predNote.sex != null) {
    push('sex', '/patient/sex', scalarMatched(scoring, id, goldNote, predNote, 'sex'), ['/patient/sex']);
  }
  return items;
}

export interface FieldRow {
  readonly field: ItemField;
  readonly items: number;
  readonly wrong: number;
  /** Wrong items with a warning or error flag. */
  readonly wrongFlagged: number;
  readonly correct: number;
  /** Correct items with a warning or error flag. */
  readonly correctFlagged: number;
  /** wrongFlagged / wrong (null when nothing was wrong). */
  readonly recall: number | null;
  /** correctFlagged / correct (null when nothing was correct). */
  readonly falseFlagRate: number | null;
}

export interface CheckRow {
  readonly code: string;
  /** The field the flagged items belong to (medication-level codes count on the entry). */
  readonly field: ItemField;
  /** `review`: raised as a warning or error (sends the note to review); `info`: kept for the record. */
  readonly level: 'review' | 'info';
  /** Items it fired on at this level. */
  readonly fired: number;
  readonly wrong: number;
  readonly correct: number;
  /** wrong / fired: how often an item it fires on is really wrong. */
  readonly precision: number | null;
  /** wrong / all wrong items of the field. */
  readonly recall: number | null;
}

export interface NoteSummary {
  readonly notes: number;
  readonly sentToReview: number;
  readonly withWrongItem: number;
  /** Notes with at least one wrong item that went to review. */
  readonly withWrongItemSentToReview: number;
  /** Notes with no wrong item that went to review all the same. */
  readonly cleanSentToReview: number;
  readonly engineFailures: number;
}

export interface FlagReport {
  readonly fields: FieldRow[];
  readonly checks: CheckRow[];
  readonly notes: NoteSummary;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

// Medication-level check rows count on the entry; attribute rows would count the same flag up to four times.
const CHECK_FIELDS: readonly ItemField[] = ['medication', 'problem', 'lab', 'follow_up', 'age', 'sex'];

/** Aggregates labelled items and outcomes into the per-field, per-check and per-note figures. */
export function buildReport(notes: readonly EvaluatedNote[], items: readonly LabelledItem[]): FlagReport {
  const fields = ITEM_FIELDS.map((field): FieldRow => {
    const of = items.filter((i) => i.field === field);
    const wrong = of.filter((i) => !i.correct);
    const correct = of.filter((i) => i.correct);
    const wrongFlagged = wrong.filter((i) => i.reviewCodes.length > 0).length;
    const correctFlagged = correct.filter((i) => i.reviewCodes.length > 0).length;
    return {
      field,
      items: of.length,
      wrong: wrong.length,
      wrongFlagged,
      correct: correct.length,
      correctFlagged,
      recall: ratio(wrongFlagged, wrong.length),
      falseFlagRate: ratio(correctFlagged, correct.length),
    };
  });

  const checks: CheckRow[] = [];
  for (const field of CHECK_FIELDS) {
    const of = items.filter((i) => i.field === field);
    const wrongTotal = of.filter((i) => !i.correct).length;
    for (const level of ['review', 'info'] as const) {
      const codesOf = (i: LabelledItem) => (level === 'review' ? i.reviewCodes : i.infoCodes);
      for (const code of [...new Set(of.flatMap(codesOf))].sort()) {
        const fired = of.filter((i) => codesOf(i).includes(code));
        const wrong = fired.filter((i) => !i.correct).length;
        checks.push({
          code,
          field,
          level,
          fired: fired.length,
          wrong,
          correct: fired.length - wrong,
          precision: ratio(wrong, fired.length),
          recall: ratio(wrong, wrongTotal),
        });
      }
    }
  }

  const wrongNotes = new Set(items.filter((i) => !i.correct).map((i) => i.noteId));
  const toReview = (n: EvaluatedNote) => n.outcome === null || n.outcome.status !== 'accepted';
  return {
    fields,
    checks,
    notes: {
      notes: notes.length,
      sentToReview: notes.filter(toReview).length,
      withWrongItem: wrongNotes.size,
      withWrongItemSentToReview: notes.filter((n) => wrongNotes.has(n.id) && toReview(n)).length,
      cleanSentToReview: notes.filter((n) => !wrongNotes.has(n.id) && toReview(n)).length,
      engineFailures: notes.filter((n) => n.extraction === null).length,
    },
  };
}

const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(3));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** The report as text tables: per field, per check, and the notes sent to review. */
export function formatReport(report: FlagReport): string {
  const fieldRows = [
    ['field', 'items', 'wrong', 'wrong flagged', 'recall', 'correct', 'correct flagged', 'false-flag rate'],
  ];
  for (const r of report.fields) {
    if (r.items === 0) continue;
    fieldRows.push([
      r.field,
      String(r.items),
      String(r.wrong),
      String(r.wrongFlagged),
      fmt(r.recall),
      String(r.correct),
      String(r.correctFlagged),
      fmt(r.falseFlagRate),
    ]);
  }
  const checkRows = [['check', 'field', 'level', 'fired', 'wrong', 'correct', 'precision', 'recall']];
  for (const c of report.checks) {
    checkRows.push([
      c.code,
      c.field,
      c.level,
      String(c.fired),
      String(c.wrong),
      String(c.correct),
      fmt(c.precision),
      fmt(c.recall),
    ]);
  }
  const n = report.notes;
  const share = (a: number, b: number) => `${a}/${b} = ${fmt(ratio(a, b))}`;
  return [
    table(fieldRows),
    '',
    table(checkRows),
    '',
    `notes sent to review: ${share(n.sentToReview, n.notes)}`,
    `  with a wrong item: ${share(n.withWrongItemSentToReview, n.withWrongItem)}`,
    `  with no wrong item: ${share(n.cleanSentToReview, n.notes - n.withWrongItem)}`,
    ...(n.engineFailures > 0 ? [`engine failures (sent to review): ${n.engineFailures}`] : []),
  ].join('\n');
}
