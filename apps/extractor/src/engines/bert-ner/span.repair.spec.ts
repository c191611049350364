import { describe, expect, it } from '@jest/globals';
import type { EntitySpan } from './bio.decoder.js';
import {
  extendFrequencies,
  growToReadable,
  repairAbbreviationSpans,
  repairDrugNames,
  repairDoseSpans,
  repairSpans,
  shrinkToReadable,
} from './span.repair.js';

const dose = (text: string, s: string): EntitySpan => {
  const start = text.indexOf(s);
  return { type: 'DOSE', target: 'medication.dose', start, end: start + s.length, confidence: 0.5 };
};
const repaired = (text: string, s: string): string => {
  const [e] = repairDoseSpans(text, [dose(text, s)]);
  return text.slice(e!.start, e!.end);
};

describe('repairDoseSpans', () => {
  it('takes in the amount before a unit-only span and the unit after an amount-only span', () => {
    expect(repaired('Veramist spray 27.5 mcg daily', 'mcg')).toBe('27.5 mcg');
    expect(repaired('Lasix 20 mg daily', '20')).toBe('20 mg');
    expect(repaired('insulin 10 units at night', '10')).toBe('10 units');
    expect(repaired('Tylenol 1-2 tablets q.6h.', 'tablets')).toBe('1-2 tablets');
  });

  it('leaves complete spans and non-units alone', () => {
    expect(repaired('Lasix 20 mg daily', '20 mg')).toBe('20 mg');
    expect(repaired('Lasix 20 daily', '20')).toBe('20');
    expect(repaired('some mg text', 'mg')).toBe('mg');
  });
});

describe('repairAbbreviationSpans', () => {
  const span = (text: string, s: string, type: 'FREQ' | 'ROUTE', nth = 0): EntitySpan => {
    let start = -1;
    for (let i = 0; i <= nth; i++) start = text.indexOf(s, start + 1);
    return {
      type,
      target: type === 'FREQ' ? 'medication.frequency' : 'medication.route',
      start,
      end: start + s.length,
      confidence: 0.8,
    };
  };
  const texts = (text: string, es: EntitySpan[]): string[] =>
    repairAbbreviationSpans(text, es).map((e) => text.slice(e.start, e.end));

  it('grows a piece of a dotted abbreviation to the whole and joins pieces', () => {
    const text = 'Colace 100 mg p.o. b.i.d. and Tylenol q.6h. p.r.n. pain.';
    expect(texts(text, [span(text, 'b', 'FREQ'), span(text, 'd', 'FREQ')])).toEqual(['b.i.d.']);
    expect(texts(text, [span(text, 'p', 'ROUTE')])).toEqual(['p.o.']);
    expect(texts(text, [span(text, 'q.6h', 'FREQ'), span(text, 'p.r.n', 'FREQ')])).toEqual(['q.6h. p.r.n.']);
  });

  it('leaves ordinary words and separate sigs alone', () => {
    const text = 'Lasix daily. Aspirin daily.';
    expect(texts(text, [span(text, 'daily', 'FREQ'), span(text, 'daily', 'FREQ', 1)])).toEqual(['daily', 'daily']);
  });
});

describe('retypeSigSpans and dose joining', () => {
  it('makes a route of a frequency span only the route normaliser reads, and joins split doses', () => {
    const text = 'Prevacid 12.5 mg p.o. b.i.d.';
    const at = (s: string): number => text.indexOf(s);
    const out = repairSpans(text, [
      { type: 'DOSE', target: 'medication.dose', start: at('12'), end: at('12') + 2, confidence: 0.9 },
      { type: 'DOSE', target: 'medication.dose', start: at('5 mg'), end: at('5 mg') + 4, confidence: 0.9 },
      { type: 'FREQ', target: 'medication.frequency', start: at('p.o.'), end: at('p.o.') + 4, confidence: 0.9 },
      { type: 'FREQ', target: 'medication.frequency', start: at('b.i.d.'), end: at('b.i.d.') + 6, confidence: 0.9 },
    ]);
    expect(out.map((e) => [e.type, text.slice(e.start, e.end)])).toEqual([
      ['DOSE', '12.5 mg'],
      ['ROUTE', 'p.o.'],
      ['FREQ', 'b.i.d.'],
    ]);
  });
});

describe('shrinkToReadable', () => {
  it('shrinks a frequency run into the next sentence to the words the normaliser reads', () => {
    const text = 'Prevacid p.o. b.i.d.  I will call.';
    const start = text.indexOf('b.i.d.');
    const [e] = shrinkToReadable(text, [
      { type: 'FREQ', target: 'medication.frequency', start, end: start + 9, confidence: 0.7 },
    ]);
    expect(text.slice(e!.start, e!.end)).toBe('b.i.d.');
  });
});

describe('shrinkToReadable across list commas', () => {
  it('cuts a frequency run into the next list number (",5.") back to the frequency', () => {
    const text = 'Famotidine 20 mg p.o. b.i.d.,5.  Lotemax drops.';
    const start = text.indexOf('b.i.d.');
    const [e] = shrinkToReadable(text, [
      { type: 'FREQ', target: 'medication.frequency', start, end: start + 'b.i.d.,5.'.length, confidence: 0.7 },
    ]);
    expect(text.slice(e!.start, e!.end)).toBe('b.i.d.');
  });
});

describe('growToReadable', () => {
  const text = 'Cosopt 1 drop in each eye 2 times a day.,4.  Zofran 4 mg 10.  Lasix 20 mg x.';
  const freq = (s: string): EntitySpan => {
    const start = text.indexOf(s);
    return { type: 'FREQ', target: 'medication.frequency', start, end: start + s.length, confidence: 0.6 };
  };
  it('grows a cut-short frequency to the shortest readable text, without crossing the sentence end', () => {
    const [e] = growToReadable(text, [freq('times a')]);
    expect(text.slice(e!.start, e!.end)).toBe('2 times a day');
  });
  it('drops a frequency that is only a number and keeps other unreadable spans as they are', () => {
    const out = growToReadable(text, [freq('10.'), freq('x')]);
    expect(out.map((e) => text.slice(e.start, e.end))).toEqual(['x']);
  });
});

describe('repairDrugNames', () => {
  const text =
    'Toprol-XL 200 mg daily, Bactrim Single Strength daily, vitamin C 500 mg, Rocaltrol 0.25 micrograms a day.';
  const drug = (s: string): EntitySpan => {
    const start = text.indexOf(s);
    return { type: 'DRUG', target: 'medication.name', start, end: start + s.length, confidence: 0.8 };
  };
  it('joins release and strength suffixes, takes in a vitamin letter and drops unit words tagged as drugs', () => {
    const out = repairDrugNames(text, [
      drug('Toprol'),
      drug('XL'),
      drug('Bactrim'),
      drug('Strength'),
      drug('vitamin'),
      drug('Rocaltrol'),
      drug('micrograms'),
    ]);
    expect(out.map((e) => text.slice(e.start, e.end))).toEqual([
      'Toprol-XL',
      'Bactrim Single Strength',
      'vitamin C',
      'Rocaltrol',
    ]);
  });
});

describe('extendFrequencies', () => {
  it('takes in a count before and an as-needed after', () => {
    const text = 'Metamucil four times daily, Tylenol q.6h. p.r.n. pain, Lasix 20 mg daily.';
    const f = (s: string): EntitySpan => {
      const start = text.indexOf(s);
      return { type: 'FREQ', target: 'medication.frequency', start, end: start + s.length, confidence: 0.8 };
    };
    const out = extendFrequencies(text, [f('daily'), f('q.6h.'), f('daily.')]);
    expect(out.map((e) => text.slice(e.start, e.end))).toEqual(['four times daily', 'q.6h. p.r.n.', 'daily.']);
  });
});
