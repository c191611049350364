import { normaliseFrequency, normaliseRoute, normaliseUnit, readLeadingUnit } from '#clinical';
import type { EntitySpan } from './bio.decoder.js';
import { completeLabValues, dropFragmentFollowUps } from './lab-followup.repair.js';
import { joinProblemPieces, trimProblemEdges } from './problem.repair.js';

/**
 * Boundary repair for dose spans, the one entity whose edges the model most often cuts at a decimal point or a
 * space: a unit-only span takes in the amount written just before it ("27.5 mcg" tagged "mcg"), and an amount-only
 * span takes in the unit written just after it ("20" + " mg").
 */

const HAS_AMOUNT_RE = /\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|half)\b/i;
const AMOUNT_BEFORE_RE = /(?:\d+(?:[.,/]\d+)*(?:\s?(?:-|to)\s?\d+(?:[.,/]\d+)*)?|\b(?:one|two|three|four|half))\s?-?$/i;
const UNIT_AFTER_RE = /^\s?-?([a-zA-Zµμ%][a-zA-Zµμ%/.]*(?:\s[a-z]+)?)/;

export function repairDoseSpans(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.map((e) => {
    if (e.target !== 'medication.dose') return e;
    const s = text.slice(e.start, e.end);
    if (!HAS_AMOUNT_RE.test(s)) {
      const before = text.slice(Math.max(0, e.start - 20), e.start);
      const m = AMOUNT_BEFORE_RE.exec(before);
      if (m && readLeadingUnit(s)) return { ...e, start: e.start - m[0].length };
      return e;
    }
    if (readLeadingUnit(s.replace(/^[\d.,/\s-]+/, '')) === null) {
      const m = UNIT_AFTER_RE.exec(text.slice(e.end, e.end + 30));
      if (m) {
        // Take the longest prefix of the following words that is a unit ("international units" before "units").
        const words = m[1]!.split(' ');
        for (let n = words.length; n > 0; n--) {
          const cand = words
            .slice(0, n)
            .join(' ')
            .replace(/[.,]+$/, '');
          if (cand && normaliseUnit(cand)) {
            const unitStart = text.indexOf(cand, e.end);
            return { ...e, end: unitStart + cand.length };
          }
        }
      }
    }
    return e;
  });
}

const RUN_CHAR_RE = /[A-Za-z0-9.]/;
const DOTTED_ABBREVIATION_RE = /^(?:[a-z0-9]{1,2}\.){2,}[a-z0-9]{0,2}\.?$/i;
const SIG_TARGETS: ReadonlySet<EntitySpan['target']> = new Set(['medication.frequency', 'medication.route']);
const JOINABLE: ReadonlySet<EntitySpan['target']> = new Set([
  'medication.frequency',
  'medication.route',
  'medication.dose',
]);
/** Dose pieces split inside a number ("12" "." "5 mg", "1" "-" "2 tablets") join across one such character. */
const DOSE_JOIN_GAP_RE = /^(?:[.,/-]|\s?-\s?|\s?to\s)$/;
/** Two frequency pieces of one sig ("q.6h." + "p.r.n.") or two route pieces separated by only this are one span. */
const JOIN_GAP_RE = /^[\s,.]{0,2}$/;

/**
 * Dotted abbreviations ("b.i.d.", "p.o.", "q.h.s.") are many tokens, and a model may tag only some of them: a frequency
 * or route span inside one grows to the whole abbreviation, and touching pieces of the same kind are joined.
 */
export function growAbbreviations(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.map((e) => {
    if (!SIG_TARGETS.has(e.target)) return e;
    let s = e.start;
    let t = e.end;
    while (s > 0 && RUN_CHAR_RE.test(text[s - 1]!)) s--;
    while (t < text.length && RUN_CHAR_RE.test(text[t]!)) t++;
    return DOTTED_ABBREVIATION_RE.test(text.slice(s, t))
      ? { ...e, start: Math.min(s, e.start), end: Math.max(t, e.end) }
      : e;
  });
}

/** Joins touching pieces of one frequency, route or dose. */
export function joinSigPieces(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  const grown = [...entities].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: EntitySpan[] = [];
  for (const e of grown) {
    const prev = out[out.length - 1];
    const gap = prev ? text.slice(prev.end, e.start) : '';
    if (
      prev &&
      JOINABLE.has(e.target) &&
      prev.target === e.target &&
      (e.start <= prev.end || (e.target === 'medication.dose' ? DOSE_JOIN_GAP_RE.test(gap) : JOIN_GAP_RE.test(gap)))
    ) {
      out[out.length - 1] = {
        ...prev,
        end: Math.max(prev.end, e.end),
        confidence: (prev.confidence + e.confidence) / 2,
      };
      continue;
    }
    out.push(e);
  }
  return out;
}

/**
 * A frequency span the frequency normaliser cannot read but the route normaliser can ("p.o." tagged as a frequency)
 * is a route, and the other way round. Spans both or neither read keep the model's type.
 */
export function retypeSigSpans(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.map((e) => {
    if (!SIG_TARGETS.has(e.target)) return e;
    const s = text.slice(e.start, e.end);
    const freq = normaliseFrequency(s) !== null;
    const route = normaliseRoute(s) !== null;
    if (e.target === 'medication.frequency' && route && !freq)
      return { ...e, type: 'ROUTE', target: 'medication.route' };
    if (e.target === 'medication.route' && freq && !route)
      return { ...e, type: 'FREQ', target: 'medication.frequency' };
    return e;
  });
}

export function repairAbbreviationSpans(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return joinSigPieces(text, growAbbreviations(text, entities));
}

/** Words of a sig span: MTSamples-style lists run items together with commas (",5.  Lotemax"), so commas split too. */
const WORD_RE = /[^\s,]+/g;

/** The normaliser that reads a sig span of this kind. */
const readerFor = (target: EntitySpan['target']) =>
  target === 'medication.frequency' ? normaliseFrequency : normaliseRoute;

/**
 * A frequency or route span the normalisers cannot read, because the model ran it into the next word or sentence
 * ("b.i.d.  I"), shrinks to its longest run of whole words that they can read; unreadable spans stay as they are.
 */
export function shrinkToReadable(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.map((e) => {
    if (!SIG_TARGETS.has(e.target)) return e;
    const read = readerFor(e.target);
    const s = text.slice(e.start, e.end);
    if (read(s) !== null) return e;
    const words = [...s.matchAll(WORD_RE)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
    if (words.length > 8) return e;
    for (let n = words.length - 1; n > 0; n--) {
      for (let a = 0; a + n <= words.length; a++) {
        const from = words[a]!.start;
        const to = words[a + n - 1]!.end;
        const cand = s.slice(from, to);
        if (read(cand) !== null) return { ...e, start: e.start + from, end: e.start + to };
      }
    }
    return e;
  });
}

const NEIGHBOUR_WORDS = 2;

/**
 * A frequency or route span the normalisers cannot read because the model cut it short ("2 [times a] day") grows by
 * up to two whole words on either side, within its sentence, to the shortest text they read; otherwise it stays,
 * unless it has no letter at all.
 */
export function growToReadable(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities
    .map((e): EntitySpan | null => {
      if (!SIG_TARGETS.has(e.target)) return e;
      const read = readerFor(e.target);
      if (read(text.slice(e.start, e.end)) !== null) return e;
      // A bare number is a list number or a dose the model mistyped; there is no sig to grow it into.
      if (!/[a-z]/i.test(text.slice(e.start, e.end))) return null;
      const left = /(?:[^\s,.;:]+\s+){0,2}$/.exec(text.slice(Math.max(0, e.start - 40), e.start))?.[0] ?? '';
      const right = /^(?:\s+[^\s,;:]*[^\s,.;:]){0,2}/.exec(text.slice(e.end, e.end + 40))?.[0] ?? '';
      const lefts = [...left.matchAll(/[^\s]+\s+/g)].map((m) => left.length - m.index);
      const rights = [...right.matchAll(/\s+\S+/g)].map((m) => m.index + m[0].length);
      const candidates: { start: number; end: number }[] = [];
      for (const l of [0, ...lefts.slice(-NEIGHBOUR_WORDS)])
        for (const r of [0, ...rights.slice(0, NEIGHBOUR_WORDS)])
          if (l + r > 0) candidates.push({ start: e.start - l, end: e.end + r });
      candidates.sort((a, b) => a.end - a.start - (b.end - b.start));
      const best = candidates.find((c) => read(text.slice(c.start, c.end)) !== null);
      return best ? { ...e, ...best } : e;
    })
    .filter((e): e is EntitySpan => e !== null);
}

const FREQ_LEFT_RE =
  /(?:\b(?:once|twice|thrice|one|two|three|four|five|six|\d+)\s*(?:times|x)?\s*(?:a|per|each)?\s*|\bevery\s+(?:other\s+)?|\bq\.?\s?)$/i;
const FREQ_RIGHT_RE = /^\s?,?\s?(?:p\.?\s?r\.?\s?n\.?|as needed)/i;

/**
 * A frequency cut short ("four times [daily]", "[q.6h.] p.r.n.") takes in the count or as-needed words written right
 * beside it, when the frequency normaliser reads the longer text.
 */
export function extendFrequencies(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  return entities.map((e) => {
    if (e.target !== 'medication.frequency') return e;
    let { start, end } = e;
    const left = FREQ_LEFT_RE.exec(text.slice(Math.max(0, start - 25), start));
    if (left && left[0].trim() && normaliseFrequency(text.slice(start - left[0].length, end)) !== null) {
      start -= left[0].length;
    }
    const right = FREQ_RIGHT_RE.exec(text.slice(end, end + 16));
    if (right && normaliseFrequency(text.slice(start, end + right[0].length)) !== null) end += right[0].length;
    return start === e.start && end === e.end ? e : { ...e, start, end };
  });
}

/** Release forms and strengths written after a brand ("Toprol-XL", "Bactrim Single Strength"): part of the name. */
const NAME_SUFFIX_RE = /^(?:xl|xr|er|sr|cr|la|dr|ds|ss|odt|strength)$/i;
const SUFFIX_GAP_RE = /^(?:\s?-\s?|\s)(?:(?:single|double|extra|maximum)\s)?$/i;
/** A vitamin's letter ("vitamin C", "Vitamin B12") is part of its name. */
const VITAMIN_LETTER_RE = /^\s[A-EK](?:\d{1,2})?\b/;
const NOT_A_NAME_RE = /^(?:half|strength|dose|doses)$/i;

/**
 * Drug-name edges the model gets wrong in lists: a release or strength suffix tagged as a drug of its own joins the
 * drug right before it, "vitamin" takes in its letter, and a name that is only a dose unit or form ("drop",
 * "micrograms", "half") is dropped: it is the sig of the drug before it, not a drug.
 */
export function repairDrugNames(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  const sorted = [...entities].sort((a, b) => a.start - b.start);
  const out: EntitySpan[] = [];
  let lastDrug = -1;
  for (const e of sorted) {
    if (e.target !== 'medication.name') {
      out.push(e);
      continue;
    }
    const name = text.slice(e.start, e.end).replace(/[.,;:]+$/, '');
    const prev = lastDrug >= 0 ? out[lastDrug] : undefined;
    if (NAME_SUFFIX_RE.test(name) && prev && SUFFIX_GAP_RE.test(text.slice(prev.end, e.start))) {
      out[lastDrug] = { ...prev, end: e.end, confidence: (prev.confidence + e.confidence) / 2 };
      continue;
    }
    if (NAME_SUFFIX_RE.test(name) || NOT_A_NAME_RE.test(name) || normaliseUnit(name) !== null) continue;
    const letter = /^vitamin$/i.test(name) ? VITAMIN_LETTER_RE.exec(text.slice(e.end, e.end + 5)) : null;
    out.push(letter ? { ...e, end: e.end + letter[0].length } : e);
    lastDrug = out.length - 1;
  }
  return out;
}

/**
 * All span repairs, in order: drug-name edges, dose edges, abbreviation growth, retyping, joining pieces, retyping the joins, then
 * unreadable sig spans shrunk or grown to readable text, and counts or as-needed words taken in; lab values completed to
 * whole numbers, one-word follow-up fragments dropped, and the pieces of a problem phrase joined and its leading articles,
 * possessives and negation words trimmed.
 */
export function repairSpans(text: string, entities: readonly EntitySpan[]): EntitySpan[] {
  const names = repairDrugNames(text, entities);
  const grown = retypeSigSpans(text, growAbbreviations(text, repairDoseSpans(text, names)));
  const readable = growToReadable(text, shrinkToReadable(text, retypeSigSpans(text, joinSigPieces(text, grown))));
  const phrases = dropFragmentFollowUps(text, completeLabValues(text, extendFrequencies(text, readable)));
  return trimProblemEdges(text, joinProblemPieces(text, phrases));
}
