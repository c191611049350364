import { z } from 'zod';
import {
  env,
  llmConfigShape,
  loadConfig,
  messagingConfigShape,
  requireBrokersForKafka,
  servingConfigShape,
  topicPartitionsSchema,
} from '#platform';

export const validatorConfigSchema = z
  .object({
    /** PostgreSQL connection string (secret: may embed a password). */
    DATABASE_URL: env.postgresUrl(),
    DATABASE_POOL_SIZE: env.positiveInt(10),
    ...messagingConfigShape,
    KAFKA_CLIENT_ID: z.string().min(1).default('clinex-validator'),
    KAFKA_GROUP_ID: z.string().min(1).default('clinex-validator'),
    KAFKA_PARTITIONS_CONCURRENCY: env.positiveInt(2),
    /** Extractions of one partition in work at once; 1 keeps a note's extractions in the order they were made. */
    KAFKA_MESSAGES_IN_FLIGHT: env.positiveInt(1),
    PORT: env.port(3002),
    /** BIND_ADDRESS, METRICS_TOKEN (secret), METRICS_TENANT_LABELS: see libs/platform/src/bootstrap/serving.config.ts. */
    ...servingConfigShape,
    LOG_LEVEL: env.logLevel(),
    MESSAGE_MAX_ATTEMPTS: env.positiveInt(5),
    MESSAGE_RETRY_BASE_MS: env.positiveInt(200),
    MESSAGE_RETRY_MAX_MS: env.positiveInt(10_000),
    /**
     * The LLM endpoint for the reversal probe of LLM extractions (same variables as the extractor's engine). Unset:
     * every extraction uses the span answerer.
     */
    ...llmConfigShape,
    /** Share of LLM extractions whose reversal probe asks the LLM (0..1), sampled by note id. */
    LLM_PROBE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.1),
  })
  .extend(topicPartitionsSchema.shape)
  .superRefine(requireBrokersForKafka);

export type ValidatorConfig = z.infer<typeof validatorConfigSchema>;

export const loadValidatorConfig = (source: NodeJS.ProcessEnv = process.env): ValidatorConfig =>
  loadConfig(validatorConfigSchema, source);
