import { describe, expect, it } from '@jest/globals';
import { NoteText } from './note-text.js';

describe('NoteText', () => {
  it('finds fragments regardless of case and whitespace', () => {
    const note = new NoteText('Tylenol No.  3 one tablet');
    expect(note.contains('tylenol no. 3')).toBe(true);
    expect(note.contains('ONE TABLET')).toBe(true);
    expect(note.contains('warfarin')).toBe(false);
    expect(note.contains('   ')).toBe(false);
  });

  it('puts sentence boundaries after full stops before capitals and at line breaks, not after sig abbreviations', () => {
    const text = 'Metoprolol 25 mg p.o. b.i.d. Simvastatin 20 mg daily. Aspirin 81 mg.\nLasix';
    const note = new NoteText(text);
    const at = (s: string): number => text.indexOf(s);
    // "p.o. b.i.d." stays one sentence with its drug.
    expect(note.hasBoundaryBetween(at('Metoprolol'), at('b.i.d.') + 2)).toBe(false);
    expect(note.hasBoundaryBetween(at('daily'), at('Aspirin'))).toBe(true);
    expect(note.hasBoundaryBetween(at('81 mg'), at('Lasix'))).toBe(true);
    expect(note.hasBoundaryBetween(at('Simvastatin'), at('daily'))).toBe(false);
  });

  it('cuts where the NER engine cuts: at MTSamples\' ".," before a heading, not before a lower-case word or at "; "', () => {
    const text = 'Lasix 40 mg daily; Coumadin 5 mg. and aspirin.,PLAN: IV fluids';
    const note = new NoteText(text);
    const at = (s: string): number => text.indexOf(s);
    expect(note.hasBoundaryBetween(at('daily'), at('Coumadin'))).toBe(false);
    expect(note.hasBoundaryBetween(at('5 mg'), at('aspirin'))).toBe(false);
    expect(note.hasBoundaryBetween(at('aspirin'), at('IV'))).toBe(true);
  });
});
