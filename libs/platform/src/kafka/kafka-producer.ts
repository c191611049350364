import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel, type Producer, type ProducerRecord } from 'kafkajs';
import type { TopicName } from '#schemas';
import { MessageProducer, type OutgoingMessage, type SendProgress } from '../messaging/message-producer.js';

type ProduceRecord = ProducerRecord & { topic: TopicName; messages: ProducerRecord['messages'] };

/** Sends joined into one produce request at most (a bound on the request's size). */
const MAX_SENDS_PER_REQUEST = 500;

/** How long a position read after an unanswered commit may lag the broker's outcome (see hasPosition). */
const COMMIT_SETTLE_MS = 3000;

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
   * Whether the last transactional attempt may have gone out although it did not succeed (see sendOnce):
   * - 'at-start': nothing sent yet by this process, which may have taken over rows from one that crashed between its
   *   commit and marking them;
   * - 'commit-unanswered': commit() failed, so the broker may have taken the commit without answering;
   * - null: known. A failure before commit() leaves nothing behind: only an EndTxn can commit, so the broker aborts it.
   */
  private unknownOutcome: 'at-start' | 'commit-unanswered' | null = 'at-start';

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
   * an unanswered commit (or at start) the outcome is unknown, so the next attempt first asks the broker: the new
   * producer's first transaction() has already completed or aborted the old one (InitProducerId does that for the same
   * transactional id), and a position at or past this batch's means it went out.
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
    let committing = false;
    try {
      if (progress && this.unknownOutcome) {
        if (await this.hasPosition(record.topic, progress, this.unknownOutcome === 'commit-unanswered')) {
          await transaction.abort();
          this.unknownOutcome = null;
          return;
        }
        // Settled: the earlier attempt did not go out. Skipping the check from here on matters: outbox ids commit out
        // of order under concurrency, so a later run can carry a lower position than one already recorded.
        this.unknownOutcome = null;
      }
      await transaction.send(record);
      if (progress) {
        await transaction.sendOffsets({
          consumerGroupId: progress.group,
          topics: [{ topic: record.topic, partitions: [{ partition: 0, offset: progress.position.toString() }] }],
        });
      }
      committing = true;
      await transaction.commit();
    } catch (error) {
      if (committing) this.unknownOutcome = 'commit-unanswered';
      await transaction.abort().catch(() => undefined);
      await this.replaceProducer();
      throw error;
    }
  }

  /**
   * Whether the progress group records `progress.position` (or later) for the topic. After an unanswered commit the
   * answer can lag: this producer's transaction() has already made the broker finish the old transaction (InitProducerId
   * for the same transactional id waits for that), but the group coordinator applies a committed transaction's offsets
   * to what OffsetFetch returns shortly afterwards, on its own thread (Kafka 3.x's coordinator; kafkajs cannot ask for
   * stable offsets, OffsetFetch v7). So a lower position is read again for COMMIT_SETTLE_MS before it counts as "not sent"
   * (a clean-clone CI run on 2026-12-03 sent such a run twice).
   */
  private async hasPosition(topic: string, progress: SendProgress, mayLag: boolean): Promise<boolean> {
    const deadline = Date.now() + (mayLag ? COMMIT_SETTLE_MS : 0);
    // One admin connection for all the reads of this check.
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (;;) {
        // The progress group's recorded position on the topic's partition 0 (-1 when none).
        const [entry] = await admin.fetchOffsets({ groupId: progress.group, topics: [topic] });
        const recorded = BigInt(entry?.partitions.find((p) => p.partition === 0)?.offset ?? '-1');
        if (recorded >= progress.position) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
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
