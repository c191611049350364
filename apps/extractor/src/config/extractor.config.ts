import { z } from 'zod';
import {
  env,
  loadConfig,
  messagingConfigShape,
  requireBrokersForKafka,
  requireLlmEndpoint,
  servingConfigShape,
  topicPartitionsSchema,
} from '#platform';
import { nerEnvShape } from '../engines/bert-ner/bert-ner.options.js';
import { llmEngineConfigShape } from '../engines/llm/llm-engine.config.js';

/**
 * Engines a worker can run. `none` publishes empty extractions (walking skeleton); `llm` prompts an OpenAI-compatible
 * endpoint (LLM_* variables). The NER engine (apps/extractor/src/engines/bert-ner) adds `bert-ner` here.
 */
export const EXTRACTOR_ENGINES = ['none', 'bert-ner', 'llm'] as const;
export type ExtractorEngineName = (typeof EXTRACTOR_ENGINES)[number];

export const extractorConfigSchema = z
  .object({
    ...messagingConfigShape,
    KAFKA_CLIENT_ID: z.string().min(1).default('clinex-extractor'),
    /** Extractors sharing a group id share the partitions of notes.submitted. */
    KAFKA_GROUP_ID: z.string().min(1).default('clinex-extractor'),
    KAFKA_PARTITIONS_CONCURRENCY: env.positiveInt(1),
    /**
     * Notes of one partition in work at once: notes are independent, and the NER engine's dynamic batcher (or the
     * LLM endpoint) works best with many. Offsets are committed only up to the first unfinished note.
     */
    KAFKA_MESSAGES_IN_FLIGHT: env.positiveInt(8),
    PORT: env.port(3001),
    /** BIND_ADDRESS, METRICS_TOKEN (secret), METRICS_TENANT_LABELS: see libs/platform/src/bootstrap/serving.config.ts. */
    ...servingConfigShape,
    LOG_LEVEL: env.logLevel(),
    /** Engine this worker runs (see EXTRACTOR_ENGINES). */
    EXTRACTOR_ENGINE: z.enum(EXTRACTOR_ENGINES).default('none'),
    /** The LLM engine's endpoint and default prompt variant (required with EXTRACTOR_ENGINE=llm). */
    ...llmEngineConfigShape,
    /**
     * Notes that asked for another engine: `run` (one pool of workers: a free engine runs them, an LLM worker sends
     * them to review rather than spend) or `skip` (one consumer group per engine; each pool takes only its notes).
     */
    EXTRACTOR_OTHER_ENGINE_NOTES: z.enum(['run', 'skip']).default('run'),
    /** The NER engine's variables (bert-ner.options.ts, shared with the CLI); the model dir defaults to the bundled one. */
    ...nerEnvShape,
    NER_MODEL_DIR: z.string().min(1).default('models/clinex-bert-ner'),
    MESSAGE_MAX_ATTEMPTS: env.positiveInt(5),
    MESSAGE_RETRY_BASE_MS: env.positiveInt(200),
    MESSAGE_RETRY_MAX_MS: env.positiveInt(10_000),
  })
  .extend(topicPartitionsSchema.shape)
  .superRefine(requireBrokersForKafka)
  .superRefine((config, ctx) => {
    if (config.EXTRACTOR_ENGINE === 'llm') requireLlmEndpoint(config, ctx, 'with EXTRACTOR_ENGINE=llm');
  });

export type ExtractorConfig = z.infer<typeof extractorConfigSchema>;
export const EXTRACTOR_CONFIG = Symbol('EXTRACTOR_CONFIG');

export const loadExtractorConfig = (source: NodeJS.ProcessEnv = process.env): ExtractorConfig =>
  loadConfig(extractorConfigSchema, source);
