import { ServerKafka, type KafkaOptions } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload } from 'kafkajs';

/**
 * Nest's Kafka server consumes with kafkajs `eachMessage`: one message per partition at a time, so a worker whose
 * engine batches (the NER dynamic batcher) sees at most as many notes at once as it has partitions. This server
 * consumes with `eachBatch` and runs up to `messagesInFlight` messages of one partition's fetched batch at once, each
 * through Nest's own handler path, so the MessageRunner's outcome for each message is unchanged. Messages with the
 * same key (one note's messages) still run one after another, in offset order.
 *
 * Offsets: a message's offset is resolved only once it and every message before it in the batch are done, so a
 * crash, rebalance or failure redelivers from the first unfinished message (at least once, as with eachMessage).
 * With `messagesInFlight` 1 it is eachMessage's strict partition order.
 */
export class BatchConsumingKafkaServer extends ServerKafka {
  constructor(
    options: Required<KafkaOptions>['options'],
    private readonly messagesInFlight: number,
  ) {
    super(options);
  }

  override async bindEvents(consumer: Consumer): Promise<void> {
    const topics = [...this.messageHandlers.keys()];
    if (topics.length > 0) await consumer.subscribe({ ...(this.options.subscribe ?? {}), topics });
    await consumer.run({
      ...(this.options.run ?? {}),
      // Offsets are resolved here, in order; kafkajs must not resolve the whole batch when the callback returns.
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
  }

  private async consumeBatch(payload: EachBatchPayload) {
    const { topic, partition, messages } = payload.batch;
    const heartbeat = () => payload.heartbeat();
    const pause = () => payload.pause();
    const done = new Array<boolean>(messages.length).fill(false);
    let resolved = 0;
    let next = 0;
    let failure: { error: unknown } | null = null;
    const keepGoing = () => failure === null && payload.isRunning() && !payload.isStale();
    // The last started message of each key: a later one with that key waits for it.
    const lastOfKey = new Map<string, Promise<unknown>>();

    const worker = async () => {
      while (next < messages.length && keepGoing()) {
        const index = next++;
        const message = messages[index]!;
        const key = message.key?.toString('latin1') ?? null;
        const before = key === null ? undefined : lastOfKey.get(key);
        // false: the batch stopped while this message waited for its key; it stays unresolved and comes again.
        const handled = (async () => {
          if (before) await before.catch(() => undefined);
          if (!keepGoing()) return false;
          await this.handleMessage({ topic, partition, message, heartbeat, pause });
          return true;
        })();
        if (key !== null) lastOfKey.set(key, handled);
        try {
          if (!(await handled)) continue;
          done[index] = true;
          while (resolved < messages.length && done[resolved]) payload.resolveOffset(messages[resolved++]!.offset);
          // As kafkajs does after each message: keeps the group membership alive through a long batch, and throws
          // when the group is rebalancing, which stops this batch (the runner commits what was resolved).
          await heartbeat();
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.messagesInFlight, messages.length) }, worker));
    if (failure) throw (failure as { error: unknown }).error;
  }
}
