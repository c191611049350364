import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config.loader.js';
import { createLogger, PinoNestLogger } from '../logging/logger.js';
import type { InProcessBus } from '../messaging/in-process/in-process.bus.js';
import { messagingFor, type ConsumerSettings, type Messaging } from '../messaging/messaging.js';
import { Metrics, MetricsModule } from '../metrics/metrics.module.js';

export interface ServiceDefinition<
  C extends { MESSAGE_TRANSPORT: 'kafka' | 'in-process'; KAFKA_BROKERS?: string[] | undefined },
> {
  name: string;
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  logLevel: (config: C) => string;
  port: (config: C) => number;
  /** Work that must finish before the service takes traffic: migrations, topic creation. */
  prepare?: (config: C, logger: Logger, messaging: Messaging) => Promise<void>;
  module: (config: C, logger: Logger, messaging: Messaging) => DynamicModule;
  /** Set for services that consume messages. */
  consumer?: (config: C) => ConsumerSettings;
  /**
   * HTTP server options from config: which proxies to trust for the client address (`request.ip`), and how requests
   * the HTTP parser refuses are answered.
   */
  http?: (config: C) => {
    trustProxy?: boolean | string[];
    clientErrorHandler?: (error: Error & { code?: string }, socket: import('node:net').Socket) => void;
  };
}

export interface StartOptions {
  /** Environment to read config from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The shared bus when several services run in one process on the in-process transport. */
  bus?: InProcessBus;
}

/** The root of every service: its own module plus what every service has (metrics at /metrics). */
@Module({})
class ServiceRootModule {}

export interface RunningService<C> {
  app: INestApplication;
  metrics: Metrics;
  config: C;
  logger: Logger;
  messaging: Messaging;
  url: string;
}

type AnyConfig = { MESSAGE_TRANSPORT: 'kafka' | 'in-process'; KAFKA_BROKERS?: string[] | undefined };

/** Builds and starts one service: config (once), logger, Nest app on Fastify, optional consumer, HTTP. */
export async function startService<C extends AnyConfig>(
  definition: ServiceDefinition<C>,
  options: StartOptions = {},
): Promise<RunningService<C>> {
  const config = definition.loadConfig(options.env ?? process.env);
  const messaging = messagingFor(config, options.bus);
  const logger = createLogger({ name: definition.name, level: definition.logLevel(config) });
  await definition.prepare?.(config, logger, messaging);

  const metrics = new Metrics(definition.name);
  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [MetricsModule.forRoot(metrics), definition.module(config, logger, messaging)],
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024, ...definition.http?.(config) }),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );

  const consumer = definition.consumer?.(config);
  if (consumer) app.connectMicroservice(messaging.consumer(consumer), { inheritAppConfig: true });
  // Handlers must be registered (init) before consumers start, or early messages find no handler.
  await app.init();
  if (consumer) await app.startAllMicroservices();
  await app.listen({ port: definition.port(config), host: '0.0.0.0' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.info({ url, transport: messaging.kind, groupId: consumer?.groupId ?? null }, `${definition.name} started`);
  return { app, config, logger, messaging, metrics, url };
}

/**
 * Process entry point: a configuration error prints the variables at fault and exits 1, as does any boot failure.
 * SIGTERM/SIGINT close the app (consumers stop after their in-flight message, the outbox relay finishes its batch,
 * then connections close) and exit 0; a second signal, or a close that hangs, exits at once with 1.
 */
export async function runMain<C extends AnyConfig>(
  definition: ServiceDefinition<C>,
  shutdownTimeoutMs = 25_000,
): Promise<void> {
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
    // `on`, not `once`: libraries using signal-exit re-raise a signal when no other listener remains.
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
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
