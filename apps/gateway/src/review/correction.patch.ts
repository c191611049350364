import type { ReviewErrorDetail } from './review.errors.js';

/**
 * A reviewer's correction as a small subset of JSON Patch (RFC 6902): replace, add and remove, with JSON pointers
 * (RFC 6901) into the extraction. Pure: works on a copy and reports every change it could not apply.
 */
export type CorrectionChange =
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** Who made the extraction and what it is about are facts of record, never corrections. */
const EDITABLE_ROOTS = new Set(['patient', 'medications', 'diagnoses', 'symptoms', 'labs', 'followUps']);

/** Marks a whole section item as touched. */
export const WHOLE_ENTRY = '*';

/** Section items (by identity) a change touched, each with the fields of it that changed. */
export type Touched = Map<object, Set<string>>;

export interface PatchResult {
  document: Record<string, unknown>;
  /** Only items still in the document: an item removed by a later change is not there to check. */
  touched: Touched;
  errors: ReviewErrorDetail[];
}

export function parsePointer(pointer: string): string[] | null {
  if (!pointer.startsWith('/')) return null;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

// Keys that would reach an object's prototype instead of a field of the document.
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] =>
  typeof value === 'object' && value !== null;
const isRecord = (value: unknown): value is Record<string, unknown> => isContainer(value) && !Array.isArray(value);

function arrayIndex(token: string, length: number, allowEnd: boolean): number | null {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return null;
  const index = Number(token);
  return index < length || (allowEnd && index === length) ? index : null;
}

/**
 * What a change touched, for the consistency check: the section item it is in (the patient object for
 * `/patient/...`) and the field of that item (`dose`, `name`...), or `*` for the whole item (an added or replaced
 * item, a whole-section replace). A removed item touches nothing: it is gone.
 */
function touchedBy(document: Record<string, unknown>, tokens: string[], value: unknown): [object, string][] {
  const section = document[tokens[0]!];
  if (!Array.isArray(section)) return isRecord(section) ? [[section, tokens[1] ?? WHOLE_ENTRY]] : [];
  if (tokens.length === 1) return section.filter(isContainer).map((entry) => [entry, WHOLE_ENTRY]);
  if (tokens.length === 2) return isContainer(value) ? [[value, WHOLE_ENTRY]] : [];
  const index = arrayIndex(tokens[1]!, section.length, false);
  const entry: unknown = index === null ? undefined : section[index];
  return isContainer(entry) ? [[entry, tokens[2]!]] : [];
}

/** Applies `changes` in order to a deep copy of `original`. */
export function applyCorrection(original: unknown, changes: readonly CorrectionChange[]): PatchResult {
  const document = structuredClone(original) as Record<string, unknown>;
  const touched: Touched = new Map();
  const errors: ReviewErrorDetail[] = [];

  changes.forEach((change, i) => {
    const fail = (message: string) => errors.push({ path: `/changes/${i}`, message: `${change.path}: ${message}` });
    const tokens = parsePointer(change.path);
    if (!tokens || tokens.length === 0) return fail('is not a JSON pointer into the extraction');
    if (!EDITABLE_ROOTS.has(tokens[0]!)) return fail(`the ${tokens[0]} field cannot be corrected`);
    if (tokens.length === 1 && change.op !== 'replace') return fail('a whole section can only be replaced');
    if (tokens.some((t) => UNSAFE_KEYS.has(t))) return fail('is not a field of the extraction');

    let parent: unknown = document;
    for (const token of tokens.slice(0, -1)) {
      if (Array.isArray(parent)) {
        const index = arrayIndex(token, parent.length, false);
        parent = index === null ? undefined : parent[index];
      } else if (isRecord(parent) && Object.hasOwn(parent, token)) {
        parent = parent[token];
      } else {
        parent = undefined;
      }
      if (!isContainer(parent)) return fail('does not point at an existing value');
    }
    const last = tokens[tokens.length - 1]!;
    const value: unknown = change.op === 'remove' ? undefined : structuredClone(change.value);

    if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length, change.op === 'add');
      if (index === null) return fail('array index out of range');
      if (change.op === 'remove') parent.splice(index, 1);
      else if (change.op === 'add') parent.splice(index, 0, value);
      else parent[index] = value;
    } else if (isRecord(parent)) {
      if (change.op !== 'add' && !Object.hasOwn(parent, last)) return fail('does not point at an existing value');
      if (change.op === 'remove') delete parent[last];
      else parent[last] = value;
    }
    for (const [entry, field] of touchedBy(document, tokens, value)) {
      touched.set(entry, (touched.get(entry) ?? new Set()).add(field));
    }
  });

  // Entries removed by a later change are no longer in the document; the caller only checks what remains.
  return { document, touched, errors };
}
