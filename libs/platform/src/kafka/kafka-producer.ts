import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import type { TopicName } from '#schemas';
import { MessageProducer, type OutgoingMessage } from '../messaging/message-producer.js';

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
    const record = {
      topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value), headers: m.headers })),
    };
    if (!this.transactionalId) {
      try {
        await this.producer.send(record);
      } catch (error) {
        await this.replaceProducer();
        throw error;
      }
      return;
    }
    const transaction = await this.producer.transaction().catch(async (error: unknown) => {
      await this.replaceProducer();
      throw error;
    });
    try {
      await transaction.send(record);
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      await this.replaceProducer();
      throw error;
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
