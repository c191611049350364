import { createHash } from 'node:crypto';
import type { TopicName } from '#schemas';
import { MessageProducer, type OutgoingMessage } from '../message-producer.js';

interface BusMessage {
  key: string;
  /** Serialised as on Kafka, so consumers parse exactly what they would parse from a broker. */
  value: string;
  offset: number;
}

type Consumer = (message: {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
}) => Promise<void>;

interface Subscription {
  consume: Consumer;
  queues: BusMessage[][];
  draining: (Promise<void> | null)[];
  closed: boolean;
}

/**
 * Kafka's delivery model in memory, for the one-command local mode: topics with partitions chosen by key hash,
 * consumer groups, and strictly ordered one-at-a-time delivery per partition. Nothing survives the process; the
 * local launcher re-publishes unfinished notes from the outbox at start, so no accepted note is lost across restarts.
 */
export class InProcessBus extends MessageProducer {
  private readonly subscriptions = new Map<string, Map<string, Subscription>>();
  private readonly offsets = new Map<string, number>();

  constructor(private readonly partitions = 4) {
    super();
  }

  send(topic: TopicName, messages: OutgoingMessage[]): Promise<void> {
    for (const message of messages) {
      const offset = (this.offsets.get(topic) ?? 0) + 1;
      this.offsets.set(topic, offset);
      const partition = this.partitionOf(message.key);
      const entry: BusMessage = { key: message.key, value: JSON.stringify(message.value), offset };
      for (const subscription of this.subscriptions.get(topic)?.values() ?? []) {
        subscription.queues[partition]!.push(entry);
        this.drain(topic, partition, subscription);
      }
    }
    return Promise.resolve();
  }

  subscribe(topic: string, group: string, consume: Consumer): void {
    const groups = this.subscriptions.get(topic) ?? new Map<string, Subscription>();
    this.subscriptions.set(topic, groups);
    if (groups.has(group)) throw new Error(`group ${group} already consumes ${topic} in this process`);
    groups.set(group, {
      consume,
      queues: Array.from({ length: this.partitions }, () => []),
      draining: Array.from({ length: this.partitions }, () => null),
      closed: false,
    });
  }

  /** Stops delivering to a group and waits for the messages it is handling now. */
  async unsubscribe(topic: string, group: string): Promise<void> {
    const subscription = this.subscriptions.get(topic)?.get(group);
    if (!subscription) return;
    subscription.closed = true;
    this.subscriptions.get(topic)!.delete(group);
    await Promise.all(subscription.draining.filter((d): d is Promise<void> => d !== null));
  }

  private partitionOf(key: string): number {
    return createHash('md5').update(key).digest().readUInt32BE(0) % this.partitions;
  }

  private drain(topic: string, partition: number, subscription: Subscription): void {
    if (subscription.draining[partition]) return;
    subscription.draining[partition] = (async () => {
      const queue = subscription.queues[partition]!;
      while (queue.length > 0 && !subscription.closed) {
        const next = queue.shift()!;
        try {
          await subscription.consume({
            topic,
            partition,
            offset: String(next.offset),
            key: next.key,
            value: next.value,
          });
        } catch {
          // As on Kafka, a message whose handler threw is delivered again (the runner only throws on shutdown
          // or when even dead-lettering failed).
          if (!subscription.closed) queue.unshift(next);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      subscription.draining[partition] = null;
    })();
  }
}
