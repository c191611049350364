/** How the validator boots; main.ts runs it, tests start it in-process with startService. */
import { ensureTopics, topicSpecs, type ServiceDefinition } from '#platform';
import { loadValidatorConfig, type ValidatorConfig } from './config/validator.config.js';
import { ValidatorModule } from './validator.module.js';

export const validatorService: ServiceDefinition<ValidatorConfig> = {
  name: 'clinex-validator',
  loadConfig: () => loadValidatorConfig(),
  logLevel: (c) => c.LOG_LEVEL,
  port: (c) => c.PORT,
  prepare: (config) => ensureTopics(config.KAFKA_BROKERS, topicSpecs(config)),
  module: (config, logger) => ValidatorModule.forRoot(config, logger),
  kafkaConsumer: (c) => ({
    brokers: c.KAFKA_BROKERS,
    clientId: c.KAFKA_CLIENT_ID,
    groupId: c.KAFKA_GROUP_ID,
    partitionsConsumedConcurrently: c.KAFKA_PARTITIONS_CONCURRENCY,
  }),
};
