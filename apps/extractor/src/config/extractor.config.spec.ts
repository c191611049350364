import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '#platform';
import { loadExtractorConfig } from './extractor.config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

describe('extractor config: engine selection', () => {
  it('runs the placeholder engine by default, with no LLM variables needed', () => {
    expect(loadExtractorConfig(base).EXTRACTOR_ENGINE).toBe('none');
  });

  it('requires the endpoint and model for the llm engine, naming each missing variable', () => {
    let error: unknown;
    try {
      loadExtractorConfig({ ...base, EXTRACTOR_ENGINE: 'llm' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['LLM_BASE_URL', 'LLM_MODEL']);
  });

  it('reads the llm variables with their defaults, and never echoes the key', () => {
    const config = loadExtractorConfig({
      ...base,
      EXTRACTOR_ENGINE: 'llm',
      LLM_BASE_URL: 'http://vllm:8000/v1',
      LLM_MODEL: 'qwen2.5-7b-instruct',
      LLM_API_KEY: 'sk-secret-value',
    });
    expect(config).toMatchObject({
      LLM_TIMEOUT_MS: 60_000,
      LLM_MAX_RETRIES: 3,
      LLM_TEMPERATURE: 0,
      LLM_RESPONSE_FORMAT: 'auto',
      LLM_PROMPT_VARIANT: 'one-shot',
    });
    expect(() =>
      loadExtractorConfig({
        ...base,
        EXTRACTOR_ENGINE: 'llm',
        LLM_BASE_URL: 'x',
        LLM_MODEL: 'm',
        LLM_API_KEY: 'sk-secret-value',
      }),
    ).toThrow(/LLM_BASE_URL/);
    try {
      loadExtractorConfig({
        ...base,
        EXTRACTOR_ENGINE: 'llm',
        LLM_BASE_URL: 'x',
        LLM_MODEL: 'm',
        LLM_API_KEY: 'sk-secret-value',
      });
    } catch (e) {
      expect((e as Error).message).not.toContain('sk-secret-value');
    }
  });
});
