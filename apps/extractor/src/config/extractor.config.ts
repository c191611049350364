import { z } from 'zod';
import { env, loadConfig, messagingConfigShape, requireBrokersForKafka, topicPartitionsSchema } from '#platform';

export const extractorConfigSchema = z
  .object({
    ...messagingConfigShape,
    KAFKA_CLIENT_ID: z.string().min(1).default('clinex-extractor'),
    /** Extractors sharing a group id share the partitions of notes.submitted. */
    KAFKA_GROUP_ID: z.string().min(1).default('clinex-extractor'),
    KAFKA_PARTITIONS_CONCURRENCY: env.positiveInt(1),
    PORT: env.port(3001),
    LOG_LEVEL: env.logLevel(),
    /** Engine this worker runs. `none` publishes empty extractions (walking skeleton). */
    EXTRACTOR_ENGINE: z.enum(['none']).default('none'),
    MESSAGE_MAX_ATTEMPTS: env.positiveInt(5),
    MESSAGE_RETRY_BASE_MS: env.positiveInt(200),
    MESSAGE_RETRY_MAX_MS: env.positiveInt(10_000),
  })
  .extend(topicPartitionsSchema.shape)
  .superRefine(requireBrokersForKafka);

export type ExtractorConfig = z.infer<typeof extractorConfigSchema>;
export const EXTRACTOR_CONFIG = Symbol('EXTRACTOR_CONFIG');

export const loadExtractorConfig = (source: NodeJS.ProcessEnv = process.env): ExtractorConfig =>
  loadConfig(extractorConfigSchema, source);
