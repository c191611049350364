import { describe, expect, it } from '@jest/globals';
import type { EntitySpan } from './bio.decoder.js';
import { joinProblemPieces, trimProblemEdges } from './problem.repair.js';

const at = (text: string, piece: string, target: EntitySpan['target'], confidence = 0.8): EntitySpan => {
  const start = text.indexOf(piece);
  return { type: target, target, start, end: start + piece.length, confidence };
};

describe('joinProblemPieces', () => {
  it('joins problem pieces separated by a space or hyphen, typed by the longest piece', () => {
    const text = 'History of pulmonary embolism and left-sided weakness.';
    const out = joinProblemPieces(text, [
      at(text, 'pulmonary', 'diagnosis', 0.9),
      at(text, 'embolism', 'symptom', 0.7),
      at(text, 'left', 'symptom'),
      at(text, 'sided weakness', 'symptom'),
    ]);
    expect(out.map((e) => [text.slice(e.start, e.end), e.target])).toEqual([
      ['pulmonary embolism', 'diagnosis'],
      ['left-sided weakness', 'symptom'],
    ]);
    expect(out[0]!.confidence).toBeCloseTo(0.8);
  });

  it('keeps pieces apart across punctuation, other words, line breaks, and other entity kinds', () => {
    const text = 'asthma, diabetes and gout\nfever Lasix edema';
    const es = [
      at(text, 'asthma', 'diagnosis'),
      at(text, 'diabetes', 'diagnosis'),
      at(text, 'gout', 'diagnosis'),
      at(text, 'fever', 'symptom'),
      at(text, 'Lasix', 'medication.name'),
      at(text, 'edema', 'symptom'),
    ];
    expect(joinProblemPieces(text, es).map((e) => text.slice(e.start, e.end))).toEqual([
      'asthma',
      'diabetes',
      'gout',
      'fever',
      'Lasix',
      'edema',
    ]);
  });
});

describe('trimProblemEdges', () => {
  it('trims leading articles, possessives and negation words from problems only', () => {
    const text = 'He denies the chest pain; his hypertension; no Lasix.';
    const out = trimProblemEdges(text, [
      at(text, 'denies the chest pain', 'symptom'),
      at(text, 'his hypertension', 'diagnosis'),
      at(text, 'no Lasix', 'medication.name'),
    ]);
    expect(out.map((e) => text.slice(e.start, e.end))).toEqual(['chest pain', 'hypertension', 'no Lasix']);
  });
});
