import { describe, expect, it } from '@jest/globals';
import { loadPromptExamples } from './prompt-examples.js';

describe('prompt examples', () => {
  it('loads the versioned examples file', () => {
    const examples = loadPromptExamples();
    expect(examples.version).toBe('examples.v2');
    expect(examples.examples.length).toBeGreaterThanOrEqual(3);
  });
});
