// Direct file imports, not '#platform': Jest loads global setup outside its module mapper (see global-setup.mjs).
import { topicPartitionsSchema } from '../../libs/platform/src/config/config.loader.js';
import { ensureTopics, topicSpecs } from '../../libs/platform/src/kafka/kafka-topics.js';
import { startKafkaBroker, type RunningKafkaBroker } from '../../tools/kafka/kafka-broker.js';
import { createMigratedDatabase, serverUrl } from './test-database.js';

/**
 * Once per `npm test`: a real Kafka broker (unless KAFKA_BROKERS names one) and a fresh, migrated PostgreSQL
 * database on the server in DATABASE_URL. Tests read both from process.env; teardown removes them.
 */
export interface TestInfrastructure {
  broker: RunningKafkaBroker | null;
  databaseName: string;
}

declare global {
  var __clinexTestInfrastructure: TestInfrastructure | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.TEST_POSTGRES_SERVER_URL = serverUrl();
  const [broker, database] = await Promise.all([
    process.env.KAFKA_BROKERS ? Promise.resolve(null) : startKafkaBroker({ log: () => undefined }),
    createMigratedDatabase(),
  ]);
  if (broker) process.env.KAFKA_BROKERS = broker.brokers;
  process.env.DATABASE_URL = database.url;
  globalThis.__clinexTestInfrastructure = { broker, databaseName: database.name };
  await ensureTopics(process.env.KAFKA_BROKERS!.split(','), topicSpecs(topicPartitionsSchema.parse({})));
}
