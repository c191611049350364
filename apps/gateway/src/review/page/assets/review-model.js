// Pure helpers of the review page: spans to highlight, flags per field, and the reviewer's edits as the API's
// JSON Patch changes. No DOM here.
import { FREQUENCY_TIMES_PER_DAY } from './review-vocabulary.js';

/** Highlight types, in legend order, with the label shown to the reviewer. */
export const SPAN_TYPES = [
  ['med-name', 'Medication'],
  ['med-dose', 'Dose'],
  ['med-frequency', 'Frequency'],
  ['med-route', 'Route'],
  ['diagnosis', 'Diagnosis'],
  ['symptom', 'Symptom'],
  ['lab', 'Lab'],
  ['follow-up', 'Follow-up'],
  ['patient', 'Patient'],
];
const LABELS = Object.fromEntries(SPAN_TYPES);

/** Every mention of the extraction that has a span: {start, end, type, path}. */
export function collectSpans(extraction) {
  const spans = [];
  const add = (mention, type, path) => {
    const span = mention?.span;
    if (span && Number.isInteger(span.start) && Number.isInteger(span.end) && span.end > span.start) {
      spans.push({ start: span.start, end: span.end, type, path });
    }
  };
  extraction.medications.forEach((m, i) => {
    add(m.name, 'med-name', `/medications/${i}/name`);
    add(m.dose, 'med-dose', `/medications/${i}/dose`);
    add(m.frequency, 'med-frequency', `/medications/${i}/frequency`);
    add(m.route, 'med-route', `/medications/${i}/route`);
  });
  extraction.diagnoses.forEach((c, i) => add(c, 'diagnosis', `/diagnoses/${i}`));
  extraction.symptoms.forEach((c, i) => add(c, 'symptom', `/symptoms/${i}`));
  extraction.labs.forEach((lab, i) => {
    add(lab.name, 'lab', `/labs/${i}/name`);
    add(lab.value, 'lab', `/labs/${i}/value`);
    add(lab.unit, 'lab', `/labs/${i}/unit`);
  });
  extraction.followUps.forEach((f, i) => {
    add(f, 'follow-up', `/followUps/${i}`);
    add(f.with, 'follow-up', `/followUps/${i}/with`);
  });
  add(extraction.patient.age, 'patient', '/patient/age');
  add(extraction.patient.sex, 'patient', '/patient/sex');
  return spans;
}

/**
 * The note cut at every span boundary: [{text, start, spans}], each piece with the spans covering it (the shortest
 * first, so nested mentions show their own colour).
 */
export function segmentNote(text, spans) {
  const inside = spans.filter((s) => s.end <= text.length);
  const cuts = new Set([0, text.length]);
  for (const s of inside) cuts.add(s.start).add(s.end);
  const points = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i < points.length - 1; i++) {
    const start = points[i];
    const end = points[i + 1];
    const covering = inside
      .filter((s) => s.start <= start && s.end >= end)
      .sort((a, b) => a.end - a.start - (b.end - b.start));
    pieces.push({ text: text.slice(start, end), start, spans: covering });
  }
  return pieces;
}

export const spanLabel = (type) => LABELS[type] ?? type;

/** Whether a flag or error at `flagPath` concerns the field or mention at `fieldPath` (one contains the other). */
export const concerns = (flagPath, fieldPath) =>
  flagPath === fieldPath || flagPath.startsWith(`${fieldPath}/`) || fieldPath.startsWith(`${flagPath}/`);

/** Flags for one table cell: those under any of the cell's paths. */
export const flagsUnder = (flags, paths) =>
  flags.filter((f) => paths.some((p) => f.path === p || f.path.startsWith(`${p}/`)));

/** Flags of a row that no cell of it claims (e.g. a flag on the whole medication). */
export const rowFlags = (flags, rowPath, cellPaths) =>
  flags.filter(
    (f) =>
      (f.path === rowPath || f.path.startsWith(`${rowPath}/`)) &&
      !cellPaths.some((p) => f.path === p || f.path.startsWith(`${p}/`)),
  );

/** Reads a JSON pointer. */
export function valueAt(document, pointer) {
  let value = document;
  for (const token of pointer.slice(1).split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

/** The number a reviewer typed: null when empty, undefined when it is not a positive number. */
export function parseAmount(raw) {
  const text = raw.trim();
  if (text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * A renamed mention keeps pointing into the note: its span moves to the occurrence of the new text nearest to the
 * old one (case-insensitive), or becomes null when the text is not in the note.
 */
export function relocate(noteText, mention, newText) {
  const needle = newText.trim().toLowerCase();
  if (!needle) return { text: newText, span: null };
  const haystack = noteText.toLowerCase();
  const near = mention.span?.start ?? 0;
  let best = -1;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (best < 0 || Math.abs(at - near) < Math.abs(best - near)) best = at;
  }
  if (best < 0) return { text: newText.trim(), span: null };
  const text = noteText.slice(best, best + needle.length);
  return { text, span: { text, start: best, end: best + needle.length } };
}

/**
 * The API's changes for a set of edits ({path → value}) and removed medication rows: replaces first, then removals
 * from the highest index down so earlier indices stay valid. A new frequency code brings its doses per day.
 */
export function toChanges(edits, removedMedications) {
  const removed = new Set(removedMedications);
  const rowOf = (path) => {
    const match = /^\/medications\/(\d+)\//.exec(path);
    return match ? Number(match[1]) : null;
  };
  const changes = [];
  for (const [path, value] of edits) {
    const row = rowOf(path);
    if (row !== null && removed.has(row)) continue;
    changes.push({ op: 'replace', path, value });
    if (path.endsWith('/frequency/code') && value !== null && value in FREQUENCY_TIMES_PER_DAY) {
      changes.push({
        op: 'replace',
        path: path.replace(/code$/, 'timesPerDay'),
        value: FREQUENCY_TIMES_PER_DAY[value],
      });
    }
  }
  for (const row of [...removed].sort((a, b) => b - a)) changes.push({ op: 'remove', path: `/medications/${row}` });
  return changes;
}
