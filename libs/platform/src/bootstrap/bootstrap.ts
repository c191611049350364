import 'reflect-metadata';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config.loader.js';
import { createLogger, PinoNestLogger } from '../logging/logger.js';

export interface KafkaConsumerSettings {
  brokers: string[];
  clientId: string;
  groupId: string;
  /** Partitions one process works on at once; each partition stays strictly in order. */
  partitionsConsumedConcurrently: number;
}

export interface ServiceDefinition<C> {
  name: string;
  loadConfig: () => C;
  logLevel: (config: C) => string;
  port: (config: C) => number;
  /** Work that must finish before the service takes traffic: migrations, topic creation. */
  prepare?: (config: C, logger: Logger) => Promise<void>;
  module: (config: C, logger: Logger) => DynamicModule;
  kafkaConsumer?: (config: C) => KafkaConsumerSettings;
}

export interface RunningService<C> {
  app: INestApplication;
  config: C;
  logger: Logger;
  url: string;
}

/** Builds and starts one service: config (once), logger, Nest app on Fastify, optional Kafka consumer, HTTP. */
export async function startService<C>(definition: ServiceDefinition<C>): Promise<RunningService<C>> {
  const config = definition.loadConfig();
  const logger = createLogger({ name: definition.name, level: definition.logLevel(config) });
  await definition.prepare?.(config, logger);

  const app = await NestFactory.create<NestFastifyApplication>(
    definition.module(config, logger),
    new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024 }),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );

  const kafka = definition.kafkaConsumer?.(config);
  if (kafka) {
    app.connectMicroservice<MicroserviceOptions>(
      {
        transport: Transport.KAFKA,
        options: {
          // Without this Nest appends "-server" to both ids; we want the configured group id as written.
          postfixId: '',
          client: { brokers: kafka.brokers, clientId: kafka.clientId, logLevel: logLevel.WARN },
          consumer: {
            groupId: kafka.groupId,
            allowAutoTopicCreation: false,
            sessionTimeout: 30000,
            heartbeatInterval: 3000,
          },
          subscribe: { fromBeginning: true },
          run: { partitionsConsumedConcurrently: kafka.partitionsConsumedConcurrently },
        },
      },
      { inheritAppConfig: true },
    );
  }
  // Handlers must be registered (init) before consumers start, or early messages find no handler.
  await app.init();
  if (kafka) await app.startAllMicroservices();
  await app.listen({ port: definition.port(config), host: '0.0.0.0' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.info({ url, kafka: kafka ? { groupId: kafka.groupId } : null }, `${definition.name} started`);
  return { app, config, logger, url };
}

/**
 * Process entry point: a configuration error prints the variables at fault and exits 1, as does any boot failure.
 * SIGTERM/SIGINT close the app (consumers stop after their in-flight message, the outbox relay finishes its batch,
 * then connections close) and exit 0; a second signal, or a close that hangs, exits at once with 1.
 */
export async function runMain<C>(definition: ServiceDefinition<C>, shutdownTimeoutMs = 25_000): Promise<void> {
  try {
    const { app, logger } = await startService(definition);
    let closing = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (closing) process.exit(1);
      closing = true;
      logger.info({ signal }, `${definition.name} shutting down`);
      setTimeout(() => {
        logger.error({ shutdownTimeoutMs }, 'shutdown timed out');
        process.exit(1);
      }, shutdownTimeoutMs).unref();
      app.close().then(
        () => {
          logger.info(`${definition.name} stopped`);
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${definition.name}: failed to start: ${detail}\n`);
    }
    process.exit(1);
  }
}
