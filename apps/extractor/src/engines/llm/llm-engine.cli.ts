import type { EngineUsage, ExtractionEngine } from '../extraction-engine.port.js';
import { createLlmEngine, llmEngineConfigFromEnv } from './llm-engine.factory.js';

export interface LlmCliEngine {
  /** The LLM engine; it also adds up each note's LLM time (the latencies of the note's calls). */
  readonly engine: ExtractionEngine;
  /** Pass as EngineInput.reportUsage: tallies the calls (the CLI has no cost meter). */
  readonly reportUsage: (usage: EngineUsage) => Promise<void>;
  /** One line for stderr at the end: calls, tokens, and whether any count was estimated. */
  summary(): string;
  /** One line for stderr at the end: LLM latency per note, per call (retries included) and per HTTP attempt. */
  latencySummary(): string;
}

/**
 * The LLM engine for `clinex extract --engine llm`: configured from the LLM_* variables only (throws ConfigError
 * naming a missing or bad one), with a usage tally instead of cost events.
 */
export function llmEngineForCli(
  env: NodeJS.ProcessEnv = process.env,
  log?: (level: 'info' | 'warn', message: string) => void,
): LlmCliEngine {
  const llm = createLlmEngine(llmEngineConfigFromEnv(env), {
    ...(log ? { log: (level: 'info' | 'warn', message: string) => log(level, message) } : {}),
  });
  const tally = { calls: 0, input: 0, output: 0, cached: 0, estimated: 0, failed: 0 };
  const latency = { notes: [] as number[], calls: [] as number[], attempts: [] as number[] };
  const engine: ExtractionEngine = {
    descriptor: llm.descriptor,
    extract: async (input) => {
      let noteMs = 0;
      let calls = 0;
      const outcome = await llm.extract({
        ...input,
        reportUsage: async (usage) => {
          calls++;
          noteMs += usage.latencyMs;
          await input.reportUsage?.(usage);
        },
      });
      if (calls > 0) latency.notes.push(noteMs);
      return outcome;
    },
  };
  return {
    engine,
    reportUsage: (u) => {
      tally.calls++;
      tally.input += u.inputTokens;
      tally.output += u.outputTokens;
      tally.cached += u.cachedTokens;
      if (u.estimated) tally.estimated++;
      if (u.outcome !== 'ok') tally.failed++;
      latency.calls.push(u.latencyMs);
      latency.attempts.push(...u.attemptLatencyMs);
      return Promise.resolve();
    },
    summary: () =>
      `LLM ${llm.descriptor.model}: ${tally.calls} call(s), ${tally.input} input tokens (${tally.cached} cached), ` +
      `${tally.output} output tokens${tally.estimated ? `, ${tally.estimated} estimated` : ''}` +
      `${tally.failed ? `, ${tally.failed} without a usable answer` : ''}`,
    latencySummary: () =>
      `LLM latency: per note ${describeLatency(latency.notes, 'note')}; per call ${describeLatency(latency.calls, 'call')}; ` +
      `per attempt ${describeLatency(latency.attempts, 'attempt')}`,
  };
}

/** "mean 1.2 s, median 1.1 s, max 2.0 s (3 notes)", or "none". */
function describeLatency(ms: readonly number[], what: string): string {
  if (ms.length === 0) return `none (0 ${what}s)`;
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `mean ${duration(mean)}, median ${duration(median)}, max ${duration(sorted.at(-1)!)} (${sorted.length} ${what}${sorted.length === 1 ? '' : 's'})`;
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
