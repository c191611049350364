import { describe, expect, it } from '@jest/globals';
import { TokenEstimator, tokenizerForModel } from './token-estimator.js';

describe('token estimator', () => {
  it('picks the tokenizer of the model family', () => {
    expect(tokenizerForModel('gpt-4o-2024-08-06')).toBe('o200k_base');
    expect(tokenizerForModel('gpt-4o-mini')).toBe('o200k_base');
    expect(tokenizerForModel('openai/gpt-4.1')).toBe('o200k_base');
    expect(tokenizerForModel('o3-mini')).toBe('o200k_base');
    expect(tokenizerForModel('gpt-4-turbo')).toBe('cl100k_base');
    expect(tokenizerForModel('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(tokenizerForModel('meta-llama/Llama-3.1-8B-Instruct')).toBe('heuristic');
    expect(tokenizerForModel('mistral:7b')).toBe('heuristic');
    expect(tokenizerForModel('llama3', 'cl100k_base')).toBe('cl100k_base');
  });

  it('counts with the real BPE for OpenAI models', async () => {
    const o200k = new TokenEstimator('o200k_base');
    expect(await o200k.count('hello world')).toBe(2);
    expect(await o200k.count('')).toBe(0);
    // Special-token text in a note is billed as text, not refused.
    expect(await o200k.count('<|endoftext|>')).toBeGreaterThan(1);
    const cl100k = new TokenEstimator('cl100k_base');
    expect(await cl100k.count('Lisinopril 10 mg PO daily.')).toBeGreaterThan(5);
  });

  it('estimates other families at 3.2 characters per token, and adds chat framing to prompts', async () => {
    const h = new TokenEstimator('heuristic');
    expect(await h.count('x'.repeat(320))).toBe(100);
    expect(await h.countPrompt([{ content: 'x'.repeat(32) }, { content: 'y'.repeat(32) }])).toBe(3 + 2 * (3 + 10));
  });
});
