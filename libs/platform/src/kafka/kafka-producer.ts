import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel, type Producer, type ProducerRecord } from 'kafkajs';
import type { TopicName } from '#schemas';
import { MessageProducer, type OutgoingMessage, type SendProgress } from '../messaging/message-producer.js';

type ProduceRecord = ProducerRecord & { topic: TopicName; messages: ProducerRecord['messages'] };

/** Sends joined into one produce request at most (a bound on the request's size). */
const MAX_SENDS_PER_REQUEST = 500;

/**
 * The one producer wrapper of a process: idempotent, acks from all in-sync replicas, JSON values. Messages are
 * keyed (by note id) so everything about one note stays on one partition, in order.
 */
export class KafkaProducer extends MessageProducer {
  private readonly kafka: Kafka;
  private producer: Producer;
  private connected: Promise<void> | null = null;

  /** Set for a transactional producer: unique per instance (no two relay processes share one). */
  private readonly transactionalId: string | undefined;
  /**
   * The last transactional attempt failed, so it may have been committed all the same (see sendOnce); true at start,
   * for a process that took over from one that crashed between its commit and marking the rows.
   */
  private outcomeUnknown = true;

  constructor(brokers: string[], clientId: string, options: { transactional?: boolean } = {}) {
    super();
    this.transactionalId = options.transactional ? `${clientId}-${randomUUID()}` : undefined;
    this.kafka = new Kafka({
      brokers,
      clientId,
      logLevel: logLevel.ERROR,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.producer = this.createProducer();
  }

  private createProducer(): Producer {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionalId: this.transactionalId,
    });
    producer.on('producer.disconnect', () => {
      if (producer === this.producer) this.connected = null;
    });
    return producer;
  }

  async send(topic: TopicName, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const record = this.record(topic, messages);
    if (this.transactionalId) return this.sendInTransaction(record, null);
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Sends not yet in a produce request, in call order. */
  private readonly waiting: { record: ProduceRecord; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  /**
   * The idempotent producer has one request in flight at a time, so concurrent sends (many notes in work at once)
   * would queue one round trip each. Instead, the sends that arrive while a request is out go together in the next
   * one (one sendBatch, still in call order per partition): no wait when idle, fewer round trips under load. A
   * failed request fails every send in it; each caller retries as before.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const sends = this.waiting.splice(0, MAX_SENDS_PER_REQUEST);
        try {
          await this.producer.sendBatch({
            acks: -1,
            compression: CompressionTypes.None,
            topicMessages: sends.map((s) => ({ topic: s.record.topic, messages: s.record.messages })),
          });
          for (const s of sends) s.resolve();
        } catch (error) {
          for (const s of sends) s.reject(error);
          await this.replaceProducer();
          await this.connect().catch(() => undefined);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * The transactional path with the batch's position committed in the same Kafka transaction (as the offset of the
   * progress group on partition 0 of the topic), so the position is on the broker exactly when the messages are. After
   * a failed attempt the outcome is unknown (a commit the broker took but never acknowledged), so the next attempt
   * first asks the broker: the new producer's first transaction() has already completed or aborted the old one
   * (InitProducerId does that for the same transactional id), and a position at or past this batch's means it went out.
   */
  override async sendOnce(topic: TopicName, messages: OutgoingMessage[], progress: SendProgress): Promise<void> {
    if (!this.transactionalId) return this.send(topic, messages);
    if (messages.length === 0) return;
    await this.connect();
    await this.sendInTransaction(this.record(topic, messages), progress);
  }

  private record(topic: TopicName, messages: OutgoingMessage[]): ProduceRecord {
    return {
      topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value), headers: m.headers })),
    };
  }

  private async sendInTransaction(record: ProduceRecord, progress: SendProgress | null) {
    const transaction = await this.producer.transaction().catch(async (error: unknown) => {
      await this.replaceProducer();
      throw error;
    });
    try {
      if (
        progress &&
        this.outcomeUnknown &&
        (await this.recordedPosition(record.topic, progress.group)) >= progress.position
      ) {
        await transaction.abort();
        this.outcomeUnknown = false;
        return;
      }
      await transaction.send(record);
      if (progress) {
        await transaction.sendOffsets({
          consumerGroupId: progress.group,
          topics: [{ topic: record.topic, partitions: [{ partition: 0, offset: progress.position.toString() }] }],
        });
      }
      await transaction.commit();
      this.outcomeUnknown = false;
    } catch (error) {
      this.outcomeUnknown = true;
      await transaction.abort().catch(() => undefined);
      await this.replaceProducer();
      throw error;
    }
  }

  /** The progress group's recorded position on the topic (-1 when none). */
  private async recordedPosition(topic: string, group: string): Promise<bigint> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const offset = entry?.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
      return BigInt(offset);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * After a failed send kafkajs's idempotent producer can keep sequence numbers the broker never stored (a broker
   * killed mid-send); every later send then fails with OUT_OF_ORDER_SEQUENCE_NUMBER, for ever. A new producer gets a
   * new producer id from the broker and starts its sequences afresh, so the caller's retry can succeed.
   */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.createProducer();
    this.connected = null;
    await old.disconnect().catch(() => undefined);
  }

  async connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    await this.connected;
  }

  /** Nest calls this last, after consumers stopped, so in-flight handlers could still publish. */
  async onApplicationShutdown(): Promise<void> {
    await this.disconnect();
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}
