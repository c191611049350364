import { topicSpecs, type ServiceDefinition } from '#platform';
import { loadValidatorConfig, type ValidatorConfig } from './config/validator.config.js';
import { ValidatorModule } from './validator.module.js';

/** How the validator boots; main.ts runs it, tests and the local launcher start it in-process with startService. */
export const validatorService: ServiceDefinition<ValidatorConfig> = {
  name: 'clinex-validator',
  loadConfig: loadValidatorConfig,
  logLevel: (c) => c.LOG_LEVEL,
  port: (c) => c.PORT,
  prepare: (config, _logger, messaging) => messaging.ensureTopics(topicSpecs(config)),
  module: (config, logger, messaging) => ValidatorModule.forRoot(config, logger, messaging),
  consumer: (c) => ({
    clientId: c.KAFKA_CLIENT_ID,
    groupId: c.KAFKA_GROUP_ID,
    partitionsConsumedConcurrently: c.KAFKA_PARTITIONS_CONCURRENCY,
    messagesInFlight: c.KAFKA_MESSAGES_IN_FLIGHT,
    sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
  }),
};
