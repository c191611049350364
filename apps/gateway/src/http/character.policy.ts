/**
 * The one rule for characters in strings a client sends, applied to every parsed JSON body (json-body.parser.ts)
 * and to the stored header (Idempotency-Key), before anything reaches a service or the database.
 *
 * - Every string: NUL (U+0000) and unpaired surrogates are refused. PostgreSQL text cannot hold NUL, and no UTF-8 text
 *   can hold an unpaired surrogate (the driver would store U+FFFD instead, silently changing the text). Dropping or
 *   replacing them would shift every later offset of a note, so the client must fix the source.
 * - Free text (note text, reviewer comments, corrected values): every other character, control characters included,
 *   is stored as sent. Notes from PDFs and legacy systems carry form feeds, escape codes and BOMs; they are part of the
 *   record, and the spans of an extraction index into the text exactly as received.
 * - Identifiers and labels (external id, patient and encounter references, key labels, tenant names and slugs): also
 *   refused are C0 and C1 controls (tab and line breaks too), DEL, the BOM and the bidirectional formatting marks,
 *   which make two different ids look the same in a list or a log.
 */
const IDENTIFIER_KEYS = new Set(['externalId', 'patientRef', 'encounterRef', 'label', 'slug']);
/** Keys that are identifiers only as top-level members (deeper, `name` is e.g. a medication's name in a correction). */
const TOP_LEVEL_IDENTIFIER_KEYS = new Set(['name']);

export type StringKind = 'text' | 'identifier';

const NEVER = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NOT_IN_IDENTIFIERS = /[\u0000-\u001F\u007F-\u009F\uFEFF\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/;

export interface CharacterViolation {
  /** JSON pointer of the string (or the header's name). */
  field: string;
  /** UTF-16 offset of the first refused character, as the API's span offsets count. */
  offset: number;
  detail: string;
}

function describe(value: string, index: number): string {
  const unit = value.charCodeAt(index);
  const hex = unit.toString(16).toUpperCase().padStart(4, '0');
  if (unit === 0) return `U+0000 (NUL) at offset ${index}: NUL cannot be stored; remove it at the source`;
  if (unit >= 0xd800 && unit <= 0xdfff)
    return `an unpaired surrogate (U+${hex}) at offset ${index} is not valid Unicode`;
  return `U+${hex} at offset ${index}: control and formatting characters are not allowed in this field`;
}

/** The first refused character of one string of the given kind, or null. */
export function checkString(value: string, kind: StringKind, field: string): CharacterViolation | null {
  const never = NEVER.exec(value);
  const other = kind === 'identifier' ? NOT_IN_IDENTIFIERS.exec(value) : null;
  const first = [never, other].filter((m) => m !== null).sort((a, b) => a.index - b.index)[0];
  return first ? { field, offset: first.index, detail: describe(value, first.index) } : null;
}

/** Walks a parsed JSON body: the first refused character in any key or string value, with its JSON pointer. */
export function checkBody(value: unknown, pointer = '', key: string | null = null): CharacterViolation | null {
  if (typeof value === 'string') {
    const identifier =
      key !== null && (IDENTIFIER_KEYS.has(key) || (TOP_LEVEL_IDENTIFIER_KEYS.has(key) && pointer === `/${key}`));
    return checkString(value, identifier ? 'identifier' : 'text', pointer || '/');
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = checkBody(value[i], `${pointer}/${i}`, null);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [childKey, child] of Object.entries(value)) {
      const at = `${pointer}/${childKey.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const inKey = checkString(childKey, 'identifier', at);
      if (inKey) return { ...inKey, detail: `member name: ${inKey.detail}` };
      const found = checkBody(child, at, childKey);
      if (found) return found;
    }
  }
  return null;
}
