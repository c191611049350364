import type { EngineUsage } from '../../apps/extractor/src/engines/extraction-engine.port.js';
import { createLlmEngine, llmEngineConfigFromEnv } from '../../apps/extractor/src/engines/llm/llm-engine.factory.js';
import type { LlmOutput } from '../../apps/extractor/src/engines/llm/llm-output.schema.js';
import type { LlmEngine } from '../../apps/extractor/src/engines/llm/llm.engine.js';

/** A synthetic note and the answer a careful model gives for it. */
export const NOTE =
  'Patient is a 58-year-old woman with type 2 diabetes. Denies chest pain.\n' +
  'MEDICATIONS: Metformin 500 mg PO twice daily. Lisinopril 10 mg daily.\n' +
  'LABS: HbA1c 8.1% (high).\n' +
  'Follow up in 3 months.';

export function correctOutput(): LlmOutput {
  return {
    patient: { age: { text: '58-year-old', value: 58, unit: 'years' }, sex: 'female', sexText: 'woman' },
    medications: [
      {
        name: 'Metformin',
        dose: '500 mg',
        doseValue: 500,
        doseUnit: 'mg',
        frequency: 'twice daily',
        route: 'PO',
        status: 'current',
      },
      {
        name: 'Lisinopril',
        dose: '10 mg',
        doseValue: 10,
        doseUnit: 'mg',
        frequency: 'daily',
        route: null,
        status: 'current',
      },
    ],
    diagnoses: [{ text: 'type 2 diabetes', negated: false }],
    symptoms: [{ text: 'chest pain', negated: true }],
    labs: [{ name: 'HbA1c', value: '8.1', numericValue: 8.1, unit: '%', flag: 'high' }],
    followUps: [{ text: 'Follow up in 3 months', intervalValue: 3, intervalUnit: 'months', with: null }],
  };
}

/** The engine as the extractor and the CLI build it: from LLM_* variables only. */
export function engineFor(url: string, env: Record<string, string> = {}): LlmEngine {
  return createLlmEngine(
    llmEngineConfigFromEnv({
      LLM_BASE_URL: url,
      LLM_API_KEY: 'sk-test-key',
      LLM_MODEL: 'gpt-4o-2024-08-06',
      LLM_TIMEOUT_MS: '3000',
      LLM_MAX_RETRIES: '2',
      LLM_RETRY_BASE_MS: '50',
      LLM_RETRY_MAX_MS: '5000',
      ...env,
    }),
  );
}

/** Collects what the engine reports for metering. */
export function usageSink(): { usages: EngineUsage[]; reportUsage: (u: EngineUsage) => Promise<void> } {
  const usages: EngineUsage[] = [];
  return { usages, reportUsage: (u) => Promise.resolve(void usages.push(u)) };
}
