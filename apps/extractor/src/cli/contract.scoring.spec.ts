import { describe, expect, it } from '@jest/globals';
import { scoreContract, toScoredNote, type ScoredNote } from './contract.scoring.js';

const span = (text: string, start: number) => ({ text, start, end: start + text.length });
/** The same problem in the contract's mention shape (text beside a span that may be null). */
const mention = (text: string, start: number | null) => ({
  text,
  span: start === null ? null : span(text, start),
});

describe('toScoredNote', () => {
  it('reads the corpus format and the contract format alike', () => {
    const corpus = toScoredNote({
      id: 'n',
      medications: [],
      diagnoses: [{ span: span('asthma', 10), text: 'asthma', negated: false }],
      symptoms: [{ span: span('cough', 30), text: 'cough', negated: true }],
      labs: [{ name: span('sodium', 50), value: span('1,200', 57), value_number: 1200, unit: null, flag: null }],
      followUps: [{ span: span('follow up in 2 weeks', 70), interval: { value: 2, unit: 'weeks' }, with: null }],
      patient: {
        age: { span: span('41-year-old', 0), value: 41, unit: 'years' },
        sex: { value: 'female', span: null },
      },
    });
    const contract = toScoredNote({
      noteId: 'n',
      medications: [],
      diagnoses: [{ ...mention('asthma', 10), negated: false }],
      symptoms: [{ ...mention('cough', 30), negated: true }],
      labs: [{ name: mention('sodium', 50), value: { ...mention('1,200', 57), value: 1200 }, unit: null }],
      followUps: [{ ...mention('follow up in 2 weeks', 70), interval: { value: 2, unit: 'weeks' }, with: null }],
      patient: {
        age: { ...mention('41-year-old', 0), value: 41, unit: 'years' },
        sex: { value: 'female', span: null },
      },
    });
    expect(contract).toEqual(corpus);
    expect(corpus.labs![0]!.value).toBe(1200);
    expect(corpus.sex).toBe('female');
  });

  it('leaves out fields the line does not annotate, and reads sex "unknown" as not stated', () => {
    const medsOnly = toScoredNote({ id: 'n', medications: [] });
    expect(medsOnly).toEqual({});
    expect(toScoredNote({ id: 'n', patient: { age: null, sex: { value: 'unknown', span: null } } })).toEqual({
      age: null,
      sex: null,
    });
  });
});

describe('scoreContract', () => {
  const gold = new Map<string, ScoredNote>([
    [
      'n1',
      {
        problems: [
          { text: 'chest pain', start: 10, end: 20, negated: true },
          { text: 'hypertension', start: 40, end: 52, negated: false },
          { text: 'diabetes', start: 60, end: 68, negated: false },
        ],
        labs: [
          { name: { text: 'sodium', start: 100, end: 106 }, valueText: '135', value: 135 },
          { name: { text: 'WBC', start: 120, end: 123 }, valueText: '1,200', value: 1200 },
        ],
        followUps: [{ text: 'return in 2 weeks', start: 200, end: 217, interval: { value: 2, unit: 'weeks' } }],
        age: { value: 41, unit: 'years' },
        sex: 'male',
      },
    ],
  ]);

  it('matches problems one to one across both lists by overlap (relaxed) and by offsets (exact)', () => {
    const pred = new Map<string, ScoredNote>([
      [
        'n1',
        {
          problems: [
            { text: 'pain', start: 16, end: 20, negated: false }, // overlaps chest pain: relaxed hit, negation wrong
            { text: 'hypertension', start: 40, end: 52, negated: false }, // exact hit
            { text: 'hypertension', start: 40, end: 52, negated: false }, // a duplicate is a false positive
            { text: 'asthma', start: 80, end: 86, negated: false },
          ],
        },
      ],
    ]);
    const r = scoreContract(gold, pred);
    expect(r.scores.problems).toMatchObject({ tp: 2, fp: 2, fn: 1 });
    expect(r.scores.problems_exact).toMatchObject({ tp: 1, fp: 3, fn: 2 });
    expect(r.negationAccuracy).toBe(0.5);
  });

  it('needs the lab value number, the follow-up interval when both give one, and the age unit', () => {
    const pred = new Map<string, ScoredNote>([
      [
        'n1',
        {
          labs: [
            { name: { text: 'sodium', start: 100, end: 106 }, valueText: '135', value: 135 },
            { name: { text: 'WBC', start: 120, end: 123 }, valueText: '1', value: 1 }, // "1,200" read as 1
          ],
          followUps: [{ text: 'return in 2 weeks', start: 200, end: 217, interval: { value: 2, unit: 'days' } }],
          age: { value: 41, unit: 'months' },
          sex: 'male',
        },
      ],
    ]);
    const r = scoreContract(gold, pred);
    expect(r.scores.labs).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    expect(r.scores.follow_ups).toMatchObject({ tp: 0, fp: 1, fn: 1 });
    expect(r.scores.age).toMatchObject({ tp: 0, fp: 1, fn: 1 });
    expect(r.scores.sex).toMatchObject({ tp: 1, fp: 0, fn: 0, f1: 1 });
  });

  it('accepts a follow-up without an interval on either side, and a located-by-text prediction', () => {
    const pred = new Map<string, ScoredNote>([
      ['n1', { followUps: [{ text: 'Return in 2 weeks', start: null, end: null, interval: null }] }],
    ]);
    expect(scoreContract(gold, pred).scores.follow_ups).toMatchObject({ tp: 1, fp: 0, fn: 0 });
  });

  it('scores a note with no prediction as predicting nothing, and only the fields the gold annotates', () => {
    const r = scoreContract(new Map([['n1', { sex: 'female' as const }]]), new Map());
    expect(Object.keys(r.scores)).toEqual(['sex']);
    expect(r.scores.sex).toMatchObject({ tp: 0, fp: 0, fn: 1 });
    expect(r.negationAccuracy).toBeNull();
  });
});
