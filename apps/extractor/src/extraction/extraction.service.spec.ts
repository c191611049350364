import { describe, expect, it } from '@jest/globals';
import { routeNote } from './extraction.service.js';

describe('routeNote', () => {
  it('runs notes that asked for the worker engine, whatever the mode', () => {
    expect(routeNote('llm', 'llm', 'run')).toEqual({ kind: 'run' });
    expect(routeNote('bert-ner', 'bert-ner', 'skip')).toEqual({ kind: 'run' });
  });

  it('in one pool, lets a free engine stand in for another engine', () => {
    expect(routeNote('bert-ner', 'llm', 'run')).toEqual({ kind: 'run' });
    expect(routeNote('none', 'bert-ner', 'run')).toEqual({ kind: 'run' });
  });

  it('never spends on a note that did not ask for the paid engine (e.g. moved to NER by a hard budget limit)', () => {
    const route = routeNote('llm', 'bert-ner', 'run');
    expect(route.kind).toBe('refuse');
    if (route.kind === 'refuse') {
      expect(route.failure.code).toBe('ENGINE_NOT_REQUESTED');
      expect(route.failure.message).toContain('asked for the bert-ner engine');
    }
  });

  it('with one consumer group per engine, leaves other engines’ notes to their pool', () => {
    expect(routeNote('llm', 'bert-ner', 'skip')).toEqual({ kind: 'skip', reason: 'note for the bert-ner engine' });
    expect(routeNote('bert-ner', 'llm', 'skip').kind).toBe('skip');
  });
});
