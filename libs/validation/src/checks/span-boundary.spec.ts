import { describe, expect, it } from '@jest/globals';
import { cutEdge, type CutRules } from './span-boundary.js';

const at = (text: string, piece: string, from = 0) => {
  const start = text.indexOf(piece, from);
  return { text: piece, start, end: start + piece.length };
};
const DOSE: CutRules = { wordJoiners: '-', numberJoiners: '.,', trailing: '%', joinedEndMustContinue: true };
const NAME: CutRules = { wordJoiners: '-', numberJoiners: '' };

describe('cutEdge', () => {
  it.each([
    ['Warfarin 2.5 mg daily', '5 mg', DOSE, 'start'],
    ['Dose 1,000 mg', '000 mg', DOSE, 'start'],
    ['Lidocaine 1% was used', '1', DOSE, 'end'],
    ['carboplatin/5-FU given', '5', DOSE, 'end'],
    ['DPH 1.0g given', '0g', DOSE, 'start'],
    ['Peri-Colace b.i.d.', 'Colace', NAME, 'start'],
    ['Depo-Medrol 80 mg', 'Depo', NAME, 'end'],
    ['Lasixx 40 mg', 'Lasix', NAME, 'end'],
  ] as const)('%s: "%s" is cut at its %s', (text, piece, rules, edge) => {
    expect(cutEdge(text, at(text, piece), rules)).toBe(edge);
  });

  it.each([
    ['Warfarin 2.5 mg daily', '2.5 mg', DOSE],
    ['aspirin 325 mg-reduced to 81 mg', '325 mg', DOSE],
    ['Lorcet 10/650-given', '10/650', DOSE],
    ['Lasix, Coreg', 'Coreg', NAME],
    ['carboplatin/5-FU', 'carboplatin', NAME],
    ['(Lasix) daily', 'Lasix', NAME],
  ] as const)('%s: "%s" falls between words', (text, piece, rules) => {
    expect(cutEdge(text, at(text, piece), rules)).toBeNull();
  });
});
