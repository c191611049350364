import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { TopicName } from '#schemas';
import { KafkaProducer } from '../../libs/platform/src/kafka/kafka-producer.js';
import { readNoteIds } from '../support/topic-reader.js';

/**
 * MessageProducer.sendOnce on the real broker: the batch's position is committed with it in one Kafka transaction, and
 * a producer that does not know how its last attempt ended (here: a fresh one, as after a crash or a lost commit
 * answer) asks the broker before sending, so a batch the broker already has is not written twice.
 */
describe('KafkaProducer.sendOnce', () => {
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const topic = `test.send-once-${randomUUID()}` as TopicName;
  const group = `test-progress-${randomUUID()}`;
  const producers: KafkaProducer[] = [];
  const kafka = new Kafka({ brokers, clientId: 'send-once-test', logLevel: logLevel.NOTHING });

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()));
  });

  it('sends a batch once across producers, and the next position again', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const first = new KafkaProducer(brokers, 'send-once-a', { transactional: true });
    const second = new KafkaProducer(brokers, 'send-once-b', { transactional: true });
    producers.push(first, second);

    await first.sendOnce(topic, [{ key: 'n1', value: { noteId: 'n1' } }], { group, position: 5n });
    // The same batch again from a producer that cannot know whether it went out: the broker has position 5.
    await second.sendOnce(topic, [{ key: 'n1', value: { noteId: 'n1' } }], { group, position: 5n });
    await second.sendOnce(topic, [{ key: 'n2', value: { noteId: 'n2' } }], { group, position: 6n });

    expect((await readNoteIds(brokers.join(','), topic, 2, { quietMs: 1500 })).sort()).toEqual(['n1', 'n2']);
  }, 120_000);

  it('after an attempt that failed before its commit, sends a run whose position is below the recorded one', async () => {
    // Outbox ids commit out of order under concurrency, so the run after a failure can carry a lower position than
    // one already recorded (6 here). The failed attempt never reached commit(), so it cannot have gone out and the
    // next run must not be taken for it (before: skipped, the note lost).
    const second = producers[1]!;
    const missing = `test.send-once-missing-${randomUUID()}` as TopicName;
    await expect(
      second.sendOnce(missing, [{ key: 'n3', value: { noteId: 'n3' } }], { group, position: 7n }),
    ).rejects.toThrow();
    await second.sendOnce(topic, [{ key: 'n4', value: { noteId: 'n4' } }], { group, position: 4n });

    expect((await readNoteIds(brokers.join(','), topic, 3, { quietMs: 1500 })).sort()).toEqual(['n1', 'n2', 'n4']);
  }, 120_000);
});
