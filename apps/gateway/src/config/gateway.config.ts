import { z } from 'zod';
import { env, loadConfig, messagingConfigShape, requireBrokersForKafka, topicPartitionsSchema } from '#platform';

/** Every variable the gateway reads, validated once at boot. Secrets: DATABASE_URL (may embed a password). */
export const gatewayConfigSchema = z
  .object({
    /** PostgreSQL connection string (secret: may embed a password). */
    DATABASE_URL: env.postgresUrl(),
    ...messagingConfigShape,
    KAFKA_CLIENT_ID: z.string().min(1).default('clinex-gateway'),
    PORT: env.port(3000),
    LOG_LEVEL: env.logLevel(),
    /** Apply prisma/migrations at boot (the one-command local mode and compose set this). */
    MIGRATE_ON_BOOT: env.bool(false),
    MIGRATIONS_DIR: z.string().default('prisma/migrations'),
    DATABASE_POOL_SIZE: env.positiveInt(10),
    /** Engine used when a request names none. */
    DEFAULT_ENGINE: z.enum(['none', 'bert-ner', 'llm']).default('none'),
    /** Largest note accepted, in characters. */
    MAX_NOTE_CHARS: env.positiveInt(100_000),
    OUTBOX_POLL_INTERVAL_MS: env.positiveInt(500),
    OUTBOX_BATCH_SIZE: env.positiveInt(200),
    /** How long a verified API key stays cached, so each request does not pay for a password hash. */
    AUTH_CACHE_TTL_MS: env.positiveInt(60_000),
  })
  .extend(topicPartitionsSchema.shape)
  .superRefine(requireBrokersForKafka);

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export const loadGatewayConfig = (source: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  loadConfig(gatewayConfigSchema, source);
