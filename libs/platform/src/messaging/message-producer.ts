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

  /**
   * Sends a batch that must reach the topic once even when an attempt's outcome was lost (the broker died after taking
   * it, before answering). `position` increases from batch to batch (the outbox relay passes its last row's id) and is
   * recorded under `group` together with the batch, atomically where the transport can; a retry of a batch whose
   * position is already recorded sends nothing. This default is a plain send: an in-memory transport loses no answers.
   */
  sendOnce(topic: TopicName, messages: OutgoingMessage[], progress: SendProgress): Promise<void> {
    void progress;
    return this.send(topic, messages);
  }
}

export interface SendProgress {
  /** A consumer group that only records positions (no consumer ever joins it). */
  group: string;
  position: bigint;
}
