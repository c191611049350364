import type { EngineUsage } from '../extraction-engine.port.js';
import { createLlmEngine, llmEngineConfigFromEnv } from './llm-engine.factory.js';
import type { LlmEngine } from './llm.engine.js';

export interface LlmCliEngine {
  readonly engine: LlmEngine;
  /** Pass as EngineInput.reportUsage: tallies the calls (the CLI has no cost meter). */
  readonly reportUsage: (usage: EngineUsage) => Promise<void>;
  /** One line for stderr at the end: calls, tokens, and whether any count was estimated. */
  summary(): string;
}

/**
 * The LLM engine for `clinex extract --engine llm`: configured from the LLM_* variables only (throws ConfigError
 * naming a missing or bad one), with a usage tally instead of cost events.
 */
export function llmEngineForCli(
  env: NodeJS.ProcessEnv = process.env,
  log?: (level: 'info' | 'warn', message: string) => void,
): LlmCliEngine {
  const engine = createLlmEngine(llmEngineConfigFromEnv(env), {
    ...(log ? { log: (level: 'info' | 'warn', message: string) => log(level, message) } : {}),
  });
  const tally = { calls: 0, input: 0, output: 0, cached: 0, estimated: 0, failed: 0 };
  return {
    engine,
    reportUsage: (u) => {
      tally.calls++;
      tally.input += u.inputTokens;
      tally.output += u.outputTokens;
      tally.cached += u.cachedTokens;
      if (u.estimated) tally.estimated++;
      if (u.outcome !== 'ok') tally.failed++;
      return Promise.resolve();
    },
    summary: () =>
      `LLM ${engine.descriptor.model}: ${tally.calls} call(s), ${tally.input} input tokens (${tally.cached} cached), ` +
      `${tally.output} output tokens${tally.estimated ? `, ${tally.estimated} estimated` : ''}` +
      `${tally.failed ? `, ${tally.failed} without a usable answer` : ''}`,
  };
}
