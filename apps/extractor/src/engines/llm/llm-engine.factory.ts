import { LlmChatClient, llmClientOptions, loadConfig, type LlmClientDeps } from '#platform';
import { llmEngineConfigSchema, type LlmEngineConfig } from './llm-engine.config.js';
import { LlmEngine, type LlmEngineOptions } from './llm.engine.js';
import { loadPromptExamples } from './prompt-examples.js';

/**
 * Builds the LLM engine from validated configuration: the extractor's config, or `llmEngineConfigFromEnv` for the
 * CLI. The engine knows only the endpoint's URL, key and model, so any OpenAI-compatible server will do.
 */
export function createLlmEngine(config: LlmEngineConfig, deps: LlmClientDeps = {}): LlmEngine {
  const options = llmClientOptions(config);
  if (!options) throw new Error(`${config.LLM_BASE_URL ? 'LLM_MODEL' : 'LLM_BASE_URL'} is required for the llm engine`);
  const engineOptions: LlmEngineOptions = {
    defaultVariant: config.LLM_PROMPT_VARIANT,
    examples: loadPromptExamples(),
    ...(deps.log ? { log: deps.log } : {}),
  };
  return new LlmEngine(new LlmChatClient(options, deps), engineOptions);
}

/** The engine's variables read from an environment (LLM_*); throws ConfigError naming a missing or bad variable. */
export function llmEngineConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LlmEngineConfig {
  return loadConfig(llmEngineConfigSchema, env);
}
