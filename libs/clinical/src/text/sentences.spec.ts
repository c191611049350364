import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { sentenceEndsBetween, sentenceIndex, splitSentences } from './sentences.js';

const { cases } = JSON.parse(readFileSync(new URL('./sentences.cases.json', import.meta.url), 'utf8')) as {
  cases: { text: string; sentences: string[] }[];
};

describe('splitSentences', () => {
  it.each(cases.map((c) => [c.text, c.sentences] as const))('cuts %j', (text, expected) => {
    const sentences = splitSentences(text);
    expect(sentences.map((s) => text.slice(s.start, s.end).trim())).toEqual(expected);
    // The sentences cover the text without gaps or overlaps.
    sentences.forEach((s, i) => expect(s.start).toBe(i === 0 ? 0 : sentences[i - 1]!.end));
    if (sentences.length > 0) expect(sentences[sentences.length - 1]!.end).toBe(text.length);
  });

  it('finds the sentence of a position, and whether two positions are in different sentences', () => {
    const text = 'Lasix 40 mg daily. Aspirin 81 mg p.o. Daily';
    const sentences = splitSentences(text);
    expect(sentenceIndex(sentences, text.indexOf('daily'))).toBe(0);
    expect(sentenceIndex(sentences, text.indexOf('Aspirin'))).toBe(1);
    expect(sentenceEndsBetween(sentences, text.indexOf('Lasix'), text.indexOf('daily'))).toBe(false);
    expect(sentenceEndsBetween(sentences, text.indexOf('daily'), text.indexOf('Aspirin'))).toBe(true);
    expect(sentenceEndsBetween(sentences, text.indexOf('Aspirin'), text.indexOf('Daily'))).toBe(false);
  });
});
