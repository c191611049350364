import { describe, expect, it } from '@jest/globals';
import { paidEngineRefusal } from './extraction.service.js';

describe('paidEngineRefusal', () => {
  it('lets the LLM worker run notes that asked for the LLM, and free engines run anything', () => {
    expect(paidEngineRefusal('llm', 'llm')).toBeNull();
    expect(paidEngineRefusal('bert-ner', 'llm')).toBeNull();
    expect(paidEngineRefusal('bert-ner', 'none')).toBeNull();
    expect(paidEngineRefusal('none', 'bert-ner')).toBeNull();
  });

  it('refuses to spend on a note that asked for another engine (e.g. moved to NER by a hard budget limit)', () => {
    expect(paidEngineRefusal('llm', 'bert-ner')).toEqual({
      code: 'ENGINE_NOT_REQUESTED',
      message: expect.stringContaining('asked for the bert-ner engine') as unknown as string,
    });
    expect(paidEngineRefusal('llm', 'none')?.code).toBe('ENGINE_NOT_REQUESTED');
  });
});
