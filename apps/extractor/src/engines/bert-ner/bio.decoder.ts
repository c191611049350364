import type { EntityTarget, ModelLabel } from './model-dir.loader.js';

/** An entity the model found, in note character offsets (end exclusive). */
export interface EntitySpan {
  readonly type: string;
  readonly target: EntityTarget;
  readonly start: number;
  readonly end: number;
  /** Mean over the entity's tokens of the winning class probability. */
  readonly confidence: number;
}

export interface TokenPrediction {
  readonly start: number;
  readonly end: number;
  /** Word index from the pre-tokenizer; a continuation piece of the same word follows its first piece's entity. */
  readonly word: number | null;
  readonly cls: number;
  readonly prob: number;
}

// Trailing characters that never end a drug name, diagnosis or symptom ("Lasix," "pain.").
const TRAILING_PUNCT_RE = /[\s.,;:)\]]+$/;
// A leading period goes too, unless it starts a decimal (".5 mg").
const LEADING_PUNCT_RE = /^(?:[\s,;:(\[]|\.(?!\d))+/;
const HAS_WORD_RE = /[\p{L}\p{N}]/u;
/**
 * A model unsure about punctuation and small words inside an entity ("p . o .", "twice a day") tags them O between
 * I- tags; an I- tag after at most this many O tokens (and characters) continues the entity instead of starting one.
 */
const MAX_BRIDGE_TOKENS = 2;
const MAX_BRIDGE_CHARS = 4;
const KEEPS_PERIODS: ReadonlySet<EntityTarget> = new Set([
  'medication.frequency',
  'medication.route',
  'medication.dose',
  'followUp',
]);

/**
 * BIO tags to spans. Lenient like most NER decoders: an I- tag that does not continue an entity of its type starts
 * one; pieces of one word stay together whatever the tag on the later pieces says; a short O gap followed by an I-
 * of the same type is bridged.
 */
export function decodeBio(
  text: string,
  pieces: readonly TokenPrediction[],
  labels: readonly ModelLabel[],
): EntitySpan[] {
  const tokens = toWords(pieces, labels);
  const out: EntitySpan[] = [];
  let cur: { label: ModelLabel; start: number; end: number; probs: number[]; word: number | null } | null = null;
  let gap = 0;
  const flush = (): void => {
    gap = 0;
    if (cur && cur.label.target && cur.label.target !== 'ignore' && cur.label.type) {
      const span = trimSpan(text, cur.start, cur.end, cur.label.target);
      if (span) {
        const confidence = cur.probs.reduce((a, b) => a + b, 0) / cur.probs.length;
        out.push({ type: cur.label.type, target: cur.label.target, start: span[0], end: span[1], confidence });
      }
    }
    cur = null;
  };
  for (const tok of tokens) {
    if (tok.end <= tok.start) continue;
    const label = labels[tok.cls];
    if (cur && tok.word !== null && tok.word === cur.word) {
      cur.end = tok.end;
      cur.probs.push(tok.prob);
      continue;
    }
    if (!label || label.prefix === 'O' || !label.type) {
      // Hold the entity open across a short gap: an I- tag of its type right after it continues it.
      if (cur) {
        gap++;
        if (gap > MAX_BRIDGE_TOKENS) flush();
      }
      continue;
    }
    if (
      label.prefix === 'I' &&
      cur &&
      cur.label.type === label.type &&
      (gap === 0 || tok.start - cur.end <= MAX_BRIDGE_CHARS)
    ) {
      cur.end = tok.end;
      cur.word = tok.word;
      cur.probs.push(tok.prob);
      gap = 0;
      continue;
    }
    flush();
    cur = { label, start: tok.start, end: tok.end, probs: [tok.prob], word: tok.word };
  }
  flush();
  return out;
}

/**
 * One prediction per pre-tokenizer word: the first piece's class when it is an entity, else the first entity class
 * among the later pieces (a model unsure where a rare word starts, "Met|am|uci|l", still tags the whole word).
 */
function toWords(pieces: readonly TokenPrediction[], labels: readonly ModelLabel[]): TokenPrediction[] {
  const words: TokenPrediction[] = [];
  let i = 0;
  while (i < pieces.length) {
    const first = pieces[i]!;
    let j = i + 1;
    while (first.word !== null && j < pieces.length && pieces[j]!.word === first.word) j++;
    if (j === i + 1) {
      words.push(first);
    } else {
      const group = pieces.slice(i, j);
      const tagged = group.find((p) => labels[p.cls]?.prefix !== 'O' && labels[p.cls] !== undefined);
      const prob = group.reduce((a, p) => a + p.prob, 0) / group.length;
      words.push({
        start: first.start,
        end: group[group.length - 1]!.end,
        word: first.word,
        cls: (tagged ?? first).cls,
        prob,
      });
    }
    i = j;
  }
  return words;
}

function trimSpan(text: string, start: number, end: number, target: EntityTarget): [number, number] | null {
  let s = text.slice(start, end);
  const lead = LEADING_PUNCT_RE.exec(s)?.[0].length ?? 0;
  s = s.slice(lead);
  let trail = 0;
  if (KEEPS_PERIODS.has(target)) trail = /[\s,;:]+$/.exec(s)?.[0].length ?? 0;
  else trail = TRAILING_PUNCT_RE.exec(s)?.[0].length ?? 0;
  // Keep a closing parenthesis that closes one inside the span ("Tylenol (acetaminophen)").
  const body = s.slice(0, s.length - trail);
  const trailing = s.slice(s.length - trail);
  if (trailing.startsWith(')') && (body.match(/\(/g) ?? []).length > (body.match(/\)/g) ?? []).length) trail--;
  const ns = start + lead;
  const ne = end - trail;
  // A span of punctuation only is a tagging slip, not an entity.
  return ne > ns && HAS_WORD_RE.test(text.slice(ns, ne)) ? [ns, ne] : null;
}
