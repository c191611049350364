import { applyMigrations } from '#database';
import { topicSpecs, type ServiceDefinition } from '#platform';
import { loadGatewayConfig, type GatewayConfig } from './config/gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { RequestAuthenticator } from './auth/request-authenticator.js';
import { clientErrorHandler } from './http/client-error.handler.js';
import { installDocsPolicy } from './http/http-setup.js';

/** How the gateway boots; main.ts runs it, tests and the local launcher start it in-process with startService. */
export const gatewayService: ServiceDefinition<GatewayConfig> = {
  name: 'clinex-gateway',
  loadConfig: loadGatewayConfig,
  logLevel: (c) => c.LOG_LEVEL,
  port: (c) => c.PORT,
  prepare: async (config, logger, messaging) => {
    if (config.MIGRATE_ON_BOOT) {
      const result = await applyMigrations(config.DATABASE_URL, config.MIGRATIONS_DIR, (m) => logger.info(m));
      logger.info(
        { applied: result.applied.length, alreadyApplied: result.alreadyApplied.length },
        'migrations checked',
      );
    }
    // Best effort: the gateway must accept notes while Kafka is down (the outbox holds them), so it does not wait.
    await messaging
      .ensureTopics(topicSpecs(config))
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'could not ensure Kafka topics at boot; the outbox relay will retry publishing'),
      );
  },
  module: (config, logger, messaging) => GatewayModule.forRoot(config, logger, messaging),
  // The client address the brute-force guard counts by (auth/auth-failure.limiter.ts); parser-level errors as problems.
  http: (config) => ({ trustProxy: config.TRUST_PROXY, clientErrorHandler }),
  // Keys are checked before any body is read (auth/request-authenticator.ts); /docs gets its own CSP.
  configureHttp: (app) => {
    const fastify = app.getHttpAdapter().getInstance();
    app.get(RequestAuthenticator).installHook(fastify);
    installDocsPolicy(fastify);
  },
};
