import { describe, expect, it } from '@jest/globals';
import type { EntitySpan } from './bio.decoder.js';
import { completeLabValues, dropFragmentFollowUps } from './lab-followup.repair.js';

const at = (text: string, piece: string, target: EntitySpan['target'], from = 0): EntitySpan => {
  const start = text.indexOf(piece, from);
  return { type: target, target, start, end: start + piece.length, confidence: 0.9 };
};
const texts = (text: string, es: EntitySpan[]) => es.map((e) => text.slice(e.start, e.end));

describe('completeLabValues', () => {
  it('takes in the decimals and thousands groups of a number the value span stopped or started inside', () => {
    const text = 'WBC 8.1, platelets 484,000, creatinine 1.89. INR 2. BUN 32.2';
    const es = [
      at(text, '8', 'lab.value'),
      at(text, '484', 'lab.value'),
      at(text, '89', 'lab.value'),
      at(text, '2', 'lab.value', text.indexOf('INR')),
      at(text, '32.', 'lab.value'),
    ];
    expect(texts(text, completeLabValues(text, es))).toEqual(['8.1', '484,000', '1.89', '2', '32.2']);
  });

  it('leaves other entities and qualitative values alone', () => {
    const text = 'Troponin negative. Lasix 40.5 mg.';
    const es = [at(text, 'negative', 'lab.value'), at(text, '40', 'medication.dose')];
    expect(texts(text, completeLabValues(text, es))).toEqual(['negative', '40']);
  });
});

describe('dropFragmentFollowUps', () => {
  it('drops one-word follow-up fragments and keeps phrases', () => {
    const text = 'Follow up in 2 weeks. We will follow her.';
    const es = [at(text, 'Follow up in 2 weeks', 'followUp'), at(text, 'follow', 'followUp', 22)];
    expect(texts(text, dropFragmentFollowUps(text, es))).toEqual(['Follow up in 2 weeks']);
  });
});
