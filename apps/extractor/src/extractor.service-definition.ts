/** How the extractor boots; main.ts runs it, tests start it in-process with startService. */
import { ensureTopics, topicSpecs, type ServiceDefinition } from '#platform';
import { loadExtractorConfig, type ExtractorConfig } from './config/extractor.config.js';
import { ExtractorModule } from './extractor.module.js';

export const extractorService: ServiceDefinition<ExtractorConfig> = {
  name: 'clinex-extractor',
  loadConfig: () => loadExtractorConfig(),
  logLevel: (c) => c.LOG_LEVEL,
  port: (c) => c.PORT,
  prepare: (config) => ensureTopics(config.KAFKA_BROKERS, topicSpecs(config)),
  module: (config, logger) => ExtractorModule.forRoot(config, logger),
  kafkaConsumer: (c) => ({
    brokers: c.KAFKA_BROKERS,
    clientId: c.KAFKA_CLIENT_ID,
    groupId: c.KAFKA_GROUP_ID,
    partitionsConsumedConcurrently: c.KAFKA_PARTITIONS_CONCURRENCY,
  }),
};
