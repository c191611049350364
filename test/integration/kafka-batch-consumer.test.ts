import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { BatchConsumingKafkaServer } from '../../libs/platform/src/kafka/batch-consuming.server.js';

/**
 * The consumer the extractor and validator run on the real broker: many messages of one partition in work at once
 * (the NER batcher needs that), yet offsets committed only up to the first unfinished message, so a failure
 * redelivers that message and what came after it, and never skips one.
 */
describe('BatchConsumingKafkaServer', () => {
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const kafka = new Kafka({ brokers, clientId: 'batch-consumer-test', logLevel: logLevel.NOTHING });
  const servers: BatchConsumingKafkaServer[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function topicWith(values: { n: number }[], keyOf: (n: number) => string = (n) => `k${n}`): Promise<string> {
    const topic = `test.batch-consumer-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    // One send: the messages land in one record batch, so the consumer fetches them together.
    await producer.send({ topic, messages: values.map((v) => ({ key: keyOf(v.n), value: JSON.stringify(v) })) });
    await producer.disconnect();
    return topic;
  }

  async function consume(
    topic: string,
    group: string,
    messagesInFlight: number,
    handle: (value: { n: number }) => Promise<void>,
  ): Promise<void> {
    const server = new BatchConsumingKafkaServer(
      {
        postfixId: '',
        client: { brokers, clientId: `batch-consumer-${group}`, logLevel: logLevel.NOTHING },
        consumer: { groupId: group, allowAutoTopicCreation: false },
        subscribe: { fromBeginning: true },
        run: { partitionsConsumedConcurrently: 1 },
      },
      messagesInFlight,
    );
    servers.push(server);
    server.addHandler(topic, (data: unknown) => handle(data as { n: number }), true);
    await new Promise<void>((resolve, reject) => {
      void server.listen((error?: unknown) =>
        error ? reject(error instanceof Error ? error : new Error('the consumer did not start')) : resolve(),
      );
    });
  }

  const committedOffset = async (topic: string, group: string): Promise<string | undefined> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return entry?.partitions[0]?.offset;
    } finally {
      await admin.disconnect();
    }
  };

  const until = async (condition: () => boolean | Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('works on up to messagesInFlight messages of one partition at once, each once, and commits them all', async () => {
    const topic = await topicWith(Array.from({ length: 12 }, (_, n) => ({ n })));
    const group = `test-batch-${randomUUID()}`;
    const handled: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    await consume(topic, group, 4, async ({ n }) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 100));
      inFlight--;
      handled.push(n);
    });
    await until(() => handled.length === 12);
    expect(mostInFlight).toBe(4);
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, n) => n));
    await until(async () => (await committedOffset(topic, group)) === '12');
  }, 60_000);

  it('one in flight keeps the partition order', async () => {
    const topic = await topicWith(Array.from({ length: 6 }, (_, n) => ({ n })));
    const handled: number[] = [];
    await consume(topic, `test-batch-${randomUUID()}`, 1, async ({ n }) => {
      await new Promise((r) => setTimeout(r, 5 * (6 - n)));
      handled.push(n);
    });
    await until(() => handled.length === 6);
    expect(handled).toEqual([0, 1, 2, 3, 4, 5]);
  }, 60_000);

  it('runs messages with one key one after another, in offset order, and other keys beside them', async () => {
    const topic = await topicWith(
      Array.from({ length: 8 }, (_, n) => ({ n })),
      (n) => (n % 2 === 0 ? 'even' : 'odd'),
    );
    const handled: number[] = [];
    const running = new Set<string>();
    let overlapWithinKey = false;
    let mostInFlight = 0;
    await consume(topic, `test-batch-${randomUUID()}`, 4, async ({ n }) => {
      const key = n % 2 === 0 ? 'even' : 'odd';
      if (running.has(key)) overlapWithinKey = true;
      running.add(key);
      mostInFlight = Math.max(mostInFlight, running.size);
      await new Promise((r) => setTimeout(r, 10 * (8 - n)));
      running.delete(key);
      handled.push(n);
    });
    await until(() => handled.length === 8);
    expect(overlapWithinKey).toBe(false);
    expect(mostInFlight).toBe(2);
    expect(handled.filter((n) => n % 2 === 0)).toEqual([0, 2, 4, 6]);
    expect(handled.filter((n) => n % 2 === 1)).toEqual([1, 3, 5, 7]);
  }, 60_000);

  it('after a failure, redelivers from the first unfinished message and never skips one', async () => {
    const topic = await topicWith(Array.from({ length: 8 }, (_, n) => ({ n })));
    const group = `test-batch-${randomUUID()}`;
    const attempts = new Map<number, number>();
    let failed = false;
    await consume(topic, group, 3, async ({ n }) => {
      attempts.set(n, (attempts.get(n) ?? 0) + 1);
      // Message 3 fails its first attempt after 4 and 5 have started, so they finish before it: their offsets must
      // not be committed past 3.
      if (n === 3 && !failed) {
        await new Promise((r) => setTimeout(r, 150));
        failed = true;
        throw new Error('handler failed');
      }
      await new Promise((r) => setTimeout(r, 20));
    });
    await until(() => attempts.size === 8 && failed);
    await until(async () => (await committedOffset(topic, group)) === '8');
    for (const n of [0, 1, 2]) expect(attempts.get(n)).toBe(1);
    expect(attempts.get(3)).toBe(2);
    for (const n of [4, 5, 6, 7]) expect(attempts.get(n)).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
