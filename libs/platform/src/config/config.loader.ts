import { z } from 'zod';

/**
 * Reads an app's configuration once at boot from the environment into a typed object. A missing or bad variable
 * stops the process with a message naming it (see `ConfigError`); nothing reads process.env after this.
 */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings count as unset, as they do in most deployment tools' env files.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = issue.path.map(String).join('.') || '(root)';
      // Never echo the value: a bad variable may be a secret.
      return { variable, message: variable in cleaned ? issue.message : 'is required but not set' };
    }),
  );
}

/** Shared variable types, so every app parses the same kind of value the same way. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  nonNegativeInt: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  postgresUrl: () => z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL'),
  brokers: () =>
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .refine(
        (list) => list.length > 0 && list.every((b) => /^[^:\s]+:\d+$/.test(b)),
        'must be host:port[,host:port…]',
      ),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
};

/** Partition counts per topic (TOPIC_PARTITIONS_<NAME>); they bound how many consumers can share the work. */
export const topicPartitionsSchema = z.object({
  TOPIC_PARTITIONS_NOTES_SUBMITTED: env.positiveInt(6),
  TOPIC_PARTITIONS_EXTRACTIONS_RAW: env.positiveInt(6),
  TOPIC_PARTITIONS_EXTRACTIONS_VALIDATED: env.positiveInt(3),
  TOPIC_PARTITIONS_COST_EVENTS: env.positiveInt(3),
  TOPIC_PARTITIONS_DEAD_LETTER: env.positiveInt(1),
});
export type TopicPartitionsConfig = z.infer<typeof topicPartitionsSchema>;
