import 'reflect-metadata';
import type { Server } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config.loader.js';
import { createLogger, PinoNestLogger } from '../logging/logger.js';
import type { InProcessBus } from '../messaging/in-process/in-process.bus.js';
import { messagingFor, type ConsumerSettings, type Messaging } from '../messaging/messaging.js';
import { Metrics, MetricsAccess, MetricsModule } from '../metrics/metrics.module.js';
import type { ServingConfig } from './serving.config.js';

export interface ServiceDefinition<C extends AnyConfig> {
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
  /**
   * Adds to the HTTP server what must run for every route, after the app's providers exist and before its routes are
   * registered (Fastify gives a route only the hooks that exist when it is added): the gateway's authentication
   * before any body is read.
   */
  configureHttp?: (app: NestFastifyApplication, config: C) => void;
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

type AnyConfig = ServingConfig & { MESSAGE_TRANSPORT: 'kafka' | 'in-process'; KAFKA_BROKERS?: string[] | undefined };

/**
 * Headers on every response of every service (routes, 404s, errors): `nosniff`, no framing, no referrer, and a
 * Content-Security-Policy that lets a response load nothing. The review and finance pages send their own, stricter
 * CSP for their HTML; the gateway's /docs its own (see the gateway's HttpSetup). Responses are `no-store` unless a
 * route says otherwise (page assets are revalidated with ETags): API answers carry patient data.
 */
function secureEveryResponse(app: NestFastifyApplication): void {
  app.useSecurityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'none'"],
        'frame-ancestors': ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    xContentTypeOptions: true,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      void reply.header('cache-control', 'no-store');
      done();
    });
}

/** The address clients on this machine reach the server at: loopback when it listens on every interface. */
function localUrl(app: INestApplication, bindAddress: string): string {
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  const host = bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress === '::' ? '::1' : bindAddress;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** Builds and starts one service: config (once), logger, Nest app on Fastify, optional consumer, HTTP. */
export async function startService<C extends AnyConfig>(
  definition: ServiceDefinition<C>,
  options: StartOptions = {},
): Promise<RunningService<C>> {
  const config = definition.loadConfig(options.env ?? process.env);
  const messaging = messagingFor(config, options.bus);
  const logger = createLogger({ name: definition.name, level: definition.logLevel(config) });
  await definition.prepare?.(config, logger, messaging);

  const metrics = new Metrics(definition.name, { tenantLabels: config.METRICS_TENANT_LABELS });
  const metricsAccess = new MetricsAccess(config.METRICS_TOKEN);
  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [MetricsModule.forRoot(metrics, metricsAccess), definition.module(config, logger, messaging)],
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024, ...definition.http?.(config) }),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );

  secureEveryResponse(app);
  definition.configureHttp?.(app, config);

  const consumer = definition.consumer?.(config);
  if (consumer) app.connectMicroservice(messaging.consumer(consumer), { inheritAppConfig: true });
  // Handlers must be registered (init) before consumers start, or early messages find no handler.
  await app.init();
  if (consumer) await app.startAllMicroservices();
  await app.listen({ port: definition.port(config), host: config.BIND_ADDRESS });
  const url = localUrl(app, config.BIND_ADDRESS);
  logger.info(
    {
      url,
      bindAddress: config.BIND_ADDRESS,
      metrics: metricsAccess.enabled ? 'METRICS_TOKEN' : 'refused (METRICS_TOKEN unset)',
      transport: messaging.kind,
      groupId: consumer?.groupId ?? null,
    },
    `${definition.name} started`,
  );
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
