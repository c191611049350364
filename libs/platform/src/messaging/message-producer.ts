import type { TopicName } from '#schemas';

export interface OutgoingMessage {
  /** The note id, in practice: everything about one note stays on one partition, in order. */
  key: string;
  value: unknown;
  headers?: Record<string, string>;
}

/**
 * Publishes contract messages. Kafka in deployments (KafkaProducer); an in-memory bus in the one-command local mode
 * (InProcessBus). Services depend on this abstract class, never on a transport.
 */
export abstract class MessageProducer {
  abstract send(topic: TopicName, messages: OutgoingMessage[]): Promise<void>;
}
