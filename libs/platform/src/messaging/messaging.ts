import type { MicroserviceOptions } from '@nestjs/microservices';
import { logLevel } from 'kafkajs';
import { z } from 'zod';
import { ConfigError, env } from '../config/config.loader.js';
import type { ReadinessProbe } from '../health/health.module.js';
import { kafkaReadinessProbe } from '../kafka/kafka-probe.js';
import { BatchConsumingKafkaServer } from '../kafka/batch-consuming.server.js';
import { KafkaProducer } from '../kafka/kafka-producer.js';
import { ensureTopics, type TopicSpec } from '../kafka/kafka-topics.js';
import type { InProcessBus } from './in-process/in-process.bus.js';
import { InProcessServer } from './in-process/in-process.server.js';
import type { MessageProducer } from './message-producer.js';

export interface ConsumerSettings {
  clientId: string;
  groupId: string;
  /** Partitions one process works on at once; each partition stays strictly in order. */
  partitionsConsumedConcurrently: number;
  /**
   * Messages of one partition handled at once (1: strictly in order). More lets a batching engine see many notes
   * at once; offsets are still committed only up to the first unfinished message.
   */
  messagesInFlight: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  sessionTimeoutMs: number;
}

/** Everything a service needs from its transport; Kafka in deployments, an in-memory bus in local mode. */
export interface Messaging {
  readonly kind: 'kafka' | 'in-process';
  /**
   * `transactional`: each send is one Kafka transaction, so a send that fails part-way is aborted and invisible to
   * (read-committed) consumers, and its retry cannot duplicate it. The outbox relay uses it.
   */
  producer(clientId: string, options?: ProducerOptions): MessageProducer;
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  readinessProbe(clientId: string): ReadinessProbe;
  consumer(settings: ConsumerSettings): MicroserviceOptions;
}

export interface ProducerOptions {
  transactional?: boolean;
}

export function kafkaMessaging(brokers: string[]): Messaging {
  return {
    kind: 'kafka',
    producer: (clientId, options) => new KafkaProducer(brokers, clientId, options),
    ensureTopics: (specs) => ensureTopics(brokers, specs),
    readinessProbe: (clientId) => kafkaReadinessProbe(brokers, `${clientId}-health`),
    consumer: (settings) => ({
      strategy: new BatchConsumingKafkaServer(
        {
          // Without this Nest appends "-server" to both ids; we want the configured group id as written.
          postfixId: '',
          client: { brokers, clientId: settings.clientId, logLevel: logLevel.WARN },
          consumer: {
            groupId: settings.groupId,
            allowAutoTopicCreation: false,
            sessionTimeout: settings.sessionTimeoutMs,
            heartbeatInterval: Math.max(500, Math.floor(settings.sessionTimeoutMs / 10)),
          },
          subscribe: { fromBeginning: true },
          run: { partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently },
        },
        settings.messagesInFlight,
      ),
    }),
  };
}

export function inProcessMessaging(bus: InProcessBus): Messaging {
  return {
    kind: 'in-process',
    producer: () => bus,
    ensureTopics: () => Promise.resolve(),
    readinessProbe: () => ({ name: 'messaging', check: () => Promise.resolve() }),
    consumer: (settings) => ({ strategy: new InProcessServer(bus, settings.groupId) }),
  };
}

/** The transport variables every service shares. */
export const messagingConfigShape = {
  /** `kafka` (default), or `in-process` inside the one-command local launcher (`npm start`) only. */
  MESSAGE_TRANSPORT: z.enum(['kafka', 'in-process']).default('kafka'),
  /** Comma-separated Kafka bootstrap brokers; required with the kafka transport. */
  KAFKA_BROKERS: env.brokers().optional(),
  /** Consumer session timeout: how fast a crashed worker's partitions move to the others (broker minimum 6000). */
  KAFKA_SESSION_TIMEOUT_MS: env.positiveInt(30_000),
};

/** Refinement for app config schemas: KAFKA_BROKERS is required unless the transport is in-process. */
export function requireBrokersForKafka(
  config: { MESSAGE_TRANSPORT: 'kafka' | 'in-process'; KAFKA_BROKERS?: string[] | undefined },
  ctx: z.RefinementCtx,
): void {
  if (config.MESSAGE_TRANSPORT === 'kafka' && !config.KAFKA_BROKERS) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_BROKERS'], message: 'is required but not set' });
  }
}

export function messagingFor(
  config: { MESSAGE_TRANSPORT: 'kafka' | 'in-process'; KAFKA_BROKERS?: string[] | undefined },
  bus: InProcessBus | undefined,
): Messaging {
  if (config.MESSAGE_TRANSPORT === 'in-process') {
    if (!bus) {
      throw new ConfigError([
        { variable: 'MESSAGE_TRANSPORT', message: 'in-process works only inside the local launcher (npm start)' },
      ]);
    }
    return inProcessMessaging(bus);
  }
  // requireBrokersForKafka has already rejected a kafka config without brokers.
  return kafkaMessaging(config.KAFKA_BROKERS ?? []);
}
