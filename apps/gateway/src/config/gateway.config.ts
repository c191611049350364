import { isIP, isIPv4 } from 'node:net';
import { z } from 'zod';
import {
  env,
  loadConfig,
  messagingConfigShape,
  requireBrokersForKafka,
  servingConfigShape,
  topicPartitionsSchema,
} from '#platform';

/** An IP address, or a CIDR (address/prefix length) of one. */
function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address || isIP(address) === 0) return false;
  return prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (isIPv4(address) ? 32 : 128));
}

const commaList = (value: string) =>
  value
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);

/** A comma-separated list of IP addresses and CIDRs; empty by default. */
const addressList = () =>
  z
    .string()
    .default('')
    .refine((value) => commaList(value).every(isAddressOrCidr), {
      message: 'must be a comma-separated list of IP addresses/CIDRs',
    })
    .transform(commaList);

/** A comma-separated list of TCP ports; empty by default. */
const portList = () =>
  z
    .string()
    .default('')
    .refine((value) => commaList(value).every((p) => /^[0-9]{1,5}$/.test(p) && +p >= 1 && +p <= 65535), {
      message: 'must be a comma-separated list of ports (1-65535)',
    })
    .transform((value) => commaList(value).map(Number));

/**
 * TRUST_PROXY as Fastify takes it: a boolean or a list of trusted proxy addresses and CIDRs. No hop count: it cannot
 * tell the proxy from a client that connects directly with a forged header (Fastify 5 ignores hop counts for that).
 */
const trustProxy = () =>
  z
    .string()
    .default('false')
    .transform((value, context): boolean | string[] => {
      const v = value.trim();
      if (v === 'false') return false;
      if (v === 'true') return true;
      const list = commaList(v);
      if (list.length === 0 || !list.every(isAddressOrCidr)) {
        context.addIssue({
          code: 'custom',
          message: 'must be false, true or a comma-separated list of proxy IP addresses/CIDRs',
        });
        return z.NEVER;
      }
      return list;
    });

/**
 * Every variable the gateway reads, validated once at boot. Secrets: DATABASE_URL (may embed a password),
 * METRICS_TOKEN.
 */
export const gatewayConfigSchema = z
  .object({
    /** PostgreSQL connection string (secret: may embed a password). */
    DATABASE_URL: env.postgresUrl(),
    ...messagingConfigShape,
    KAFKA_CLIENT_ID: z.string().min(1).default('clinex-gateway'),
    PORT: env.port(3000),
    /** BIND_ADDRESS, METRICS_TOKEN, METRICS_TENANT_LABELS: see libs/platform/src/bootstrap/serving.config.ts. */
    ...servingConfigShape,
    LOG_LEVEL: env.logLevel(),
    /** Apply prisma/migrations at boot (the one-command local mode and compose set this). */
    MIGRATE_ON_BOOT: env.bool(false),
    MIGRATIONS_DIR: z.string().default('prisma/migrations'),
    DATABASE_POOL_SIZE: env.positiveInt(10),
    /** Engine used when a request names none. */
    DEFAULT_ENGINE: z.enum(['none', 'bert-ner', 'llm']).default('none'),
    /** Largest note text accepted, in UTF-8 bytes (413 NOTE_TOO_LONG above it). */
    MAX_NOTE_BYTES: env.positiveInt(100 * 1024),
    /** Largest JSON request body, in bytes, on every route but the batch one (413 PAYLOAD_TOO_LARGE above it). */
    MAX_BODY_BYTES: env.positiveInt(128 * 1024),
    /** Largest body of POST /v1/notes/batch, in bytes. */
    MAX_BATCH_BODY_BYTES: env.positiveInt(5 * 1024 * 1024),
    /** Most notes in one POST /v1/notes/batch (413 BATCH_TOO_LARGE above it). */
    MAX_BATCH_NOTES: env.positiveInt(100),
    /** How long an Idempotency-Key is remembered, in hours; a key reused after that starts afresh. */
    IDEMPOTENCY_TTL_HOURS: env.positiveInt(24),
    /** Per API key token bucket: sustained requests per second, and the burst it allows (429 + Retry-After). */
    RATE_LIMIT_PER_SECOND: env.positiveInt(50),
    RATE_LIMIT_BURST: env.positiveInt(100),
    /** Serve the OpenAPI document and Swagger UI at /docs (public, no key needed). */
    DOCS_ENABLED: env.bool(true),
    OUTBOX_POLL_INTERVAL_MS: env.positiveInt(500),
    OUTBOX_BATCH_SIZE: env.positiveInt(200),
    /**
     * How long the relay waits after a note commits before it publishes, in ms, so a burst goes out as one Kafka
     * transaction instead of one per note (each costs a claim, a mark and the transaction's round trips to the broker).
     * The note's wait in the outbox grows by at most this much.
     */
    OUTBOX_LINGER_MS: env.nonNegativeInt(50),
    /**
     * How long a relay instance's claim on a batch of outbox rows lasts, in ms. It must outlast one send (the producer
     * gives up after about 30 s); after it a crashed relay's rows are taken over by another instance.
     */
    OUTBOX_LEASE_MS: env.positiveInt(60_000),
    /**
     * How long a verified API key is remembered after its last use, so each request does not pay for a scrypt hash.
     * Only the hash is saved: every request still reads whether the key is active, so revocation (over HTTP on any
     * instance, or with the CLI) takes effect on the key's next request whatever this is.
     */
    AUTH_CACHE_TTL_MS: env.positiveInt(600_000),
    // Brute-force guard (issue 10), per client address and per gateway instance: see auth/auth-failure.limiter.ts.
    /** Failed authentications (wrong, malformed or revoked key) from one client address that trigger a lockout. */
    AUTH_FAILURE_LIMIT: env.positiveInt(20),
    /** The sliding window, in seconds, in which AUTH_FAILURE_LIMIT failures lock the address out. */
    AUTH_FAILURE_WINDOW_SECONDS: env.positiveInt(60),
    /** How long a locked-out address gets 429 TOO_MANY_AUTH_FAILURES for every request without a valid key. */
    AUTH_LOCKOUT_SECONDS: env.positiveInt(300),
    /**
     * While locked out, an address may have one key verified (one scrypt hash) per this many ms; a valid key this
     * instance has verified before needs none and is always served.
     */
    AUTH_LOCKOUT_VERIFY_INTERVAL_MS: env.positiveInt(1000),
    /**
     * Which proxies' X-Forwarded-For to believe for the client address (Fastify's trustProxy): `false` (default:
     * the TCP peer is the client) or a comma-separated list of proxy addresses/CIDRs. `true` believes any sender,
     * so a client could pick its own address: only where every request comes through a proxy that overwrites it.
     */
    TRUST_PROXY: trustProxy(),
    // Finance (issue 8).
    /** What an LLM request of a tenant at its hard budget limit runs instead: an engine, or `off` (keep the LLM). */
    BUDGET_FALLBACK_ENGINE: z.enum(['bert-ner', 'none', 'off']).default('bert-ner'),
    /** How often budgets and daily spend are checked for alerts (and pending webhooks retried). */
    FINANCE_ALERT_INTERVAL_MS: env.positiveInt(60_000),
    /** A day's spend above this multiple of the trailing daily average raises a spike alert. */
    FINANCE_SPIKE_MULTIPLE: z.coerce.number().positive().default(3),
    /** Days in the trailing average for spike alerts. */
    FINANCE_SPIKE_TRAILING_DAYS: env.positiveInt(7),
    /** Timeout of one alert webhook POST. */
    FINANCE_WEBHOOK_TIMEOUT_MS: env.positiveInt(5_000),
    // Webhook destinations (SSRF guard): see outbound/destination.policy.ts.
    /**
     * Addresses and CIDRs of internal receivers that webhooks may reach although they are not public (loopback,
     * RFC 1918, unique-local, link-local, CGNAT, reserved). Empty (default): public addresses only. Unspecified and
     * multicast addresses are never reached.
     */
    WEBHOOK_ALLOWED_PRIVATE_CIDRS: addressList(),
    /** Ports a webhook URL may name besides its scheme's default (80 for http, 443 for https). Empty by default. */
    WEBHOOK_ALLOWED_PORTS: portList(),
  })
  .extend(topicPartitionsSchema.shape)
  .superRefine(requireBrokersForKafka);

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export const loadGatewayConfig = (source: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  loadConfig(gatewayConfigSchema, source);
