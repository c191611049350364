import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { TopicName } from '#schemas';
import { KafkaProducer } from '../../libs/platform/src/kafka/kafka-producer.js';
import { readNoteIds } from '../support/topic-reader.js';

/**
 * KafkaProducer.send on the real broker with many sends at once (an extractor with many notes in work): sends that
 * meet a request in flight go out together in the next one, and each one resolves once the broker has it, every
 * message once, in call order on its partition.
 */
describe('KafkaProducer.send, many at once', () => {
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const producer = new KafkaProducer(brokers, 'producer-test');

  afterAll(async () => {
    await producer.disconnect();
  });

  it('delivers 200 concurrent sends, each once, in call order on one partition', async () => {
    const topic = `test.producer-${randomUUID()}` as TopicName;
    const admin = new Kafka({ brokers, clientId: 'producer-test-admin', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const ids = Array.from({ length: 200 }, (_, i) => `n${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map((noteId) => producer.send(topic, [{ key: 'one-key', value: { noteId } }])));

    expect(await readNoteIds(brokers.join(','), topic, ids.length, { quietMs: 1000 })).toEqual(ids);
  }, 60_000);
});
