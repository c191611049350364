import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import type { TopicName } from '#schemas';
import { MessageProducer, type OutgoingMessage } from '../messaging/message-producer.js';

/**
 * The one producer wrapper of a process: idempotent, acks from all in-sync replicas, JSON values. Messages are
 * keyed (by note id) so everything about one note stays on one partition, in order.
 */
export class KafkaProducer extends MessageProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(brokers: string[], clientId: string) {
    super();
    const kafka = new Kafka({
      brokers,
      clientId,
      logLevel: logLevel.ERROR,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer.on('producer.disconnect', () => {
      this.connected = null;
    });
  }

  async send(topic: TopicName, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value), headers: m.headers })),
    });
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
