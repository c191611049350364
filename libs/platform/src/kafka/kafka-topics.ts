import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { TopicName } from '#schemas';
import type { TopicPartitionsConfig } from '../config/config.loader.js';

export interface TopicSpec {
  topic: TopicName;
  numPartitions: number;
}

export function topicSpecs(config: TopicPartitionsConfig): TopicSpec[] {
  return [
    { topic: 'notes.submitted', numPartitions: config.TOPIC_PARTITIONS_NOTES_SUBMITTED },
    { topic: 'extractions.raw', numPartitions: config.TOPIC_PARTITIONS_EXTRACTIONS_RAW },
    { topic: 'extractions.validated', numPartitions: config.TOPIC_PARTITIONS_EXTRACTIONS_VALIDATED },
    { topic: 'cost.events', numPartitions: config.TOPIC_PARTITIONS_COST_EVENTS },
    { topic: 'dead-letter', numPartitions: config.TOPIC_PARTITIONS_DEAD_LETTER },
  ];
}

/**
 * Creates missing topics with their configured partition counts and grows ones that have fewer. Brokers run with
 * auto-creation off, so this admin step is the only way topics come to exist. Safe to run from every instance.
 */
export async function ensureTopics(brokers: string[], specs: TopicSpec[], clientId = 'clinex-admin'): Promise<void> {
  const admin: Admin = new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin
        .createTopics({ topics: missing.map((s) => ({ ...s, replicationFactor: -1 })), waitForLeaders: true })
        .catch((error: unknown) => {
          // Another instance may have created it between our list and create calls.
          if (!(error instanceof Error) || !/already exists/i.test(error.message)) throw error;
        });
    }
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
      const grow = present.filter((s) => {
        const current = metadata.topics.find((t) => t.name === s.topic)?.partitions.length ?? 0;
        return current < s.numPartitions;
      });
      if (grow.length > 0) {
        await admin.createPartitions({
          topicPartitions: grow.map((s) => ({ topic: s.topic, count: s.numPartitions })),
        });
      }
    }
  } finally {
    await admin.disconnect();
  }
}
