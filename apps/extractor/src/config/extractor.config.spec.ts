import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '#platform';
import { loadExtractorConfig } from './extractor.config.js';
import { bertNerOptionsFromEnv, bertNerOptionsFromNerEnv } from '../engines/bert-ner/bert-ner.options.js';

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

describe('extractor config: NER variables, parsed as the CLI parses them', () => {
  const ner = {
    NER_STRIDE_TOKENS: '0',
    NER_INTRA_OP_THREADS: '0',
    NER_WINDOW_TOKENS: '96',
    NER_MAX_BATCH_SIZE: '8',
    NER_MAX_WAIT_MS: '2',
    NER_MODEL_PRECISION: 'int8',
    NER_EXECUTION_PROVIDER: 'cuda',
    NER_MODEL_DIR: '/models/x',
    NER_THREAD_SPINNING: 'true',
  };

  it('accepts what the engine accepts (stride 0, threads 0 = onnxruntime decides) and gives the CLI options', () => {
    const config = loadExtractorConfig({ ...base, ...ner });
    expect(config.NER_STRIDE_TOKENS).toBe(0);
    expect(config.NER_INTRA_OP_THREADS).toBe(0);
    expect(bertNerOptionsFromNerEnv(config, 'unused')).toEqual(bertNerOptionsFromEnv(ner, 'unused'));
    expect(bertNerOptionsFromEnv(ner, 'unused').threadSpinning).toBe(true);
    expect(bertNerOptionsFromEnv({}, 'unused').threadSpinning).toBeUndefined();
  });

  it('refuses what the engine refuses, in both, naming the variable', () => {
    for (const bad of [
      { NER_WINDOW_TOKENS: '5000' },
      { NER_MAX_BATCH_SIZE: '0' },
      { NER_INTRA_OP_THREADS: '-1' },
      { NER_THREAD_SPINNING: 'yes' },
    ]) {
      const name = Object.keys(bad)[0]!;
      expect(() => loadExtractorConfig({ ...base, ...bad })).toThrow(new RegExp(name));
      expect(() => bertNerOptionsFromEnv(bad, 'd')).toThrow(new RegExp(name));
    }
  });

  it('treats an empty variable as unset in the CLI too, and defaults the model dir to the bundled model', () => {
    expect(bertNerOptionsFromEnv({ NER_WINDOW_TOKENS: '' }, 'd').windowTokens).toBeUndefined();
    expect(loadExtractorConfig(base).NER_MODEL_DIR).toBe('models/clinex-bert-ner');
  });
});
