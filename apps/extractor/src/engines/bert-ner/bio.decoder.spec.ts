import { describe, expect, it } from '@jest/globals';
import { decodeBio, type TokenPrediction } from './bio.decoder.js';
import type { ModelLabel } from './model-dir.loader.js';

const LABELS: ModelLabel[] = [
  { prefix: 'O', type: null, target: null },
  { prefix: 'B', type: 'DRUG', target: 'medication.name' },
  { prefix: 'I', type: 'DRUG', target: 'medication.name' },
  { prefix: 'B', type: 'FREQ', target: 'medication.frequency' },
  { prefix: 'I', type: 'FREQ', target: 'medication.frequency' },
  { prefix: 'B', type: 'JUNK', target: 'ignore' },
];

/** Tokens by regex over the text (words and punctuation), each with a class. */
function toks(text: string, classes: number[], probs?: number[]): TokenPrediction[] {
  const out: TokenPrediction[] = [];
  const re = /[A-Za-z0-9]+|[^\sA-Za-z0-9]/g;
  let i = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ start: m.index, end: m.index + m[0].length, word: i, cls: classes[i] ?? 0, prob: probs?.[i] ?? 0.9 });
    i++;
  }
  return out;
}

describe('decodeBio', () => {
  it('joins B and I tokens into spans with character offsets and mean confidence', () => {
    const text = 'Take Tylenol # 3 b.i.d.';
    //            Take Tylenol #  3  b  .  i  .  d  .
    const t = toks(text, [0, 1, 2, 2, 3, 4, 4, 4, 4, 4], [0.9, 0.8, 0.6, 0.4, 1, 1, 1, 1, 1, 1]);
    const spans = decodeBio(text, t, LABELS);
    expect(spans.map((s) => [s.type, text.slice(s.start, s.end)])).toEqual([
      ['DRUG', 'Tylenol # 3'],
      ['FREQ', 'b.i.d.'],
    ]);
    expect(spans[0]!.confidence).toBeCloseTo(0.6, 5);
  });

  it('starts a new entity on B, on an I of another type, and on an I after O', () => {
    const text = 'aspirin plavix lasix daily';
    const spans = decodeBio(text, toks(text, [1, 1, 2, 4]), LABELS);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['aspirin', 'plavix lasix', 'daily']);
    const text2 = 'foo lasix';
    expect(decodeBio(text2, toks(text2, [0, 2]), LABELS).map((s) => text2.slice(s.start, s.end))).toEqual(['lasix']);
  });

  it('keeps word pieces together and trims punctuation from names but not from frequencies', () => {
    const text = 'Lasix, q.d.';
    const t: TokenPrediction[] = [
      { start: 0, end: 3, word: 0, cls: 1, prob: 1 },
      { start: 3, end: 5, word: 0, cls: 0, prob: 1 },
      { start: 5, end: 6, word: 1, cls: 2, prob: 1 },
      { start: 7, end: 8, word: 2, cls: 3, prob: 1 },
      { start: 8, end: 9, word: 3, cls: 4, prob: 1 },
      { start: 9, end: 10, word: 4, cls: 4, prob: 1 },
      { start: 10, end: 11, word: 5, cls: 4, prob: 1 },
    ];
    const spans = decodeBio(text, t, LABELS);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['Lasix', 'q.d.']);
  });

  it('keeps a closing parenthesis that closes one inside the name, and trims one that does not', () => {
    const text = 'Tylenol (acetaminophen), aspirin) daily';
    //            Tylenol (  acetaminophen )  ,  aspirin )  daily
    const spans = decodeBio(text, toks(text, [1, 2, 2, 2, 2, 1, 2, 0]), LABELS);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['Tylenol (acetaminophen)', 'aspirin']);
  });

  it('drops types mapped to ignore', () => {
    const text = 'xx lasix';
    expect(decodeBio(text, toks(text, [5, 1]), LABELS).map((s) => s.type)).toEqual(['DRUG']);
  });
});

describe('decodeBio gap bridging', () => {
  it('bridges one or two O tokens before an I- of the same type, not a longer gap or a B-', () => {
    const text = 'p . o . twice a day';
    //            p  .  o  .  twice a  day
    const spans = decodeBio(text, toks(text, [3, 0, 4, 0, 3, 0, 4]), LABELS);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['p . o', 'twice a day']);
    const text2 = 'daily and then later daily';
    expect(decodeBio(text2, toks(text2, [3, 0, 0, 0, 4]), LABELS).map((s) => text2.slice(s.start, s.end))).toEqual([
      'daily',
      'daily',
    ]);
  });
});

describe('decodeBio word voting', () => {
  it('tags a whole word when a later piece of it carries the entity', () => {
    const text = 'uses Metamucil daily';
    const t: TokenPrediction[] = [
      { start: 0, end: 4, word: 0, cls: 0, prob: 1 },
      { start: 5, end: 8, word: 1, cls: 0, prob: 0.5 },
      { start: 8, end: 10, word: 1, cls: 2, prob: 0.7 },
      { start: 10, end: 13, word: 1, cls: 2, prob: 0.7 },
      { start: 13, end: 14, word: 1, cls: 0, prob: 0.5 },
      { start: 15, end: 20, word: 2, cls: 4, prob: 0.9 },
    ];
    expect(decodeBio(text, t, LABELS).map((s) => [s.type, text.slice(s.start, s.end)])).toEqual([
      ['DRUG', 'Metamucil'],
      ['FREQ', 'daily'],
    ]);
  });
});
