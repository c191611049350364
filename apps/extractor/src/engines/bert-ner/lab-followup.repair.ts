import type { EntitySpan } from './bio.decoder.js';

/**
 * Repairs for lab values and follow-up phrases, the spans the tokenizer cuts most: WordPiece splits "8.1" into "8",
 * ".", "1" and "484,000" into "484", ",", "000", and a model may tag only the first piece; a follow-up phrase is many
 * words, and a model may tag only one of them.
 */

/**
 * The rest of a number the value span stopped inside: digits of a word piece, decimals and thousands groups ("1.8" ->
 * "1.89", "8" -> "8.1", "484" -> "484,000").
 */
const NUMBER_REST_RE = /^\d*(?:[.,]\d+)*/;
/** The start of a number the value span began inside ("1" of "0.1", "000" of "132,000", "9" of "89"). */
const NUMBER_HEAD_RE = /\d+(?:[.,]\d+)*[.,]?$/;

export function completeLabValues(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.map((e) => {
    if (e.target !== 'lab.value') return e;
    let { start, end } = e;
    if (/\d[.,]?$/.test(text.slice(start, end))) {
      end += NUMBER_REST_RE.exec(text.slice(end, end + 16))![0].length;
    }
    if (/^\d/.test(text.slice(start, end))) {
      const head = NUMBER_HEAD_RE.exec(text.slice(Math.max(0, start - 16), start));
      if (head) start -= head[0].length;
    }
    return start === e.start && end === e.end ? e : { ...e, start, end };
  });
}

/** A follow-up needs an action and a when or whom; one word alone ("follow", "in", "time") says neither. */
const WORD_RE = /[A-Za-z0-9]+/g;

export function dropFragmentFollowUps(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.filter(
    (e) => e.target !== 'followUp' || (text.slice(e.start, e.end).match(WORD_RE) ?? []).length >= 2,
  );
}
