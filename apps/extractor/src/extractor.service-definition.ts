import { topicSpecs, type ServiceDefinition } from '#platform';
import { loadExtractorConfig, type ExtractorConfig } from './config/extractor.config.js';
import { ExtractorModule } from './extractor.module.js';

/** How the extractor boots; main.ts runs it, tests and the local launcher start it in-process with startService. */
export const extractorService: ServiceDefinition<ExtractorConfig> = {
  name: 'clinex-extractor',
  loadConfig: loadExtractorConfig,
  logLevel: (c) => c.LOG_LEVEL,
  port: (c) => c.PORT,
  prepare: (config, _logger, messaging) => messaging.ensureTopics(topicSpecs(config)),
  module: (config, logger, messaging) => ExtractorModule.forRoot(config, logger, messaging),
  consumer: (c) => ({
    clientId: c.KAFKA_CLIENT_ID,
    groupId: c.KAFKA_GROUP_ID,
    partitionsConsumedConcurrently: c.KAFKA_PARTITIONS_CONCURRENCY,
    messagesInFlight: c.KAFKA_MESSAGES_IN_FLIGHT,
    sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
  }),
};
