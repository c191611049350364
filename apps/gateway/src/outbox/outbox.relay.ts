import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessageProducer, Metrics } from '#platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_LOGGER } from '../gateway.tokens.js';
import { OutboxRepository, type PendingOutboxEvent } from './outbox.repository.js';

/** The consumer group under which the relay records each run's last outbox id with its Kafka transaction. */
export const OUTBOX_PROGRESS_GROUP = 'clinex-outbox-progress';

/**
 * Publishes committed outbox rows to Kafka in id order and marks them published. When Kafka is down the rows stay
 * and notes keep being accepted; the relay backs off and catches up when the broker returns. With several gateway
 * instances a leased claim (OutboxRepository.publishPending) lets one send at a time, so order holds. Each run goes out
 * in one Kafka transaction with its last outbox id recorded beside it, so a run whose commit the broker took without
 * answering, or that a crashed instance sent before marking it, is not sent again (MessageProducer.sendOnce).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  /** When the pending timer fires (meaningful while `timer` is set). */
  private dueAt = 0;
  private nudgedWhileRunning = false;
  private running: Promise<void> | null = null;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly producer: MessageProducer,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  /**
   * Called after a note commits, so it is published within OUTBOX_LINGER_MS rather than at the next poll. A run
   * already due sooner is not put off, so a steady stream of notes cannot postpone publishing.
   */
  nudge(): void {
    if (this.failures > 0) return;
    // A note committed while a run is going may have missed its claim: run again soon after this one.
    if (this.running) {
      this.nudgedWhileRunning = true;
      return;
    }
    const due = Date.now() + this.config.OUTBOX_LINGER_MS;
    if (this.timer && this.dueAt <= due) return;
    this.schedule(this.config.OUTBOX_LINGER_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.drain().finally(() => {
        this.running = null;
        const backoff = Math.min(10_000, this.config.OUTBOX_POLL_INTERVAL_MS * 2 ** this.failures);
        const next = this.nudgedWhileRunning ? this.config.OUTBOX_LINGER_MS : this.config.OUTBOX_POLL_INTERVAL_MS;
        this.nudgedWhileRunning = false;
        this.schedule(this.failures > 0 ? backoff : next);
      });
    }, delayMs);
  }

  /** Sends runs of consecutive same-topic events as one batch each, keeping id order within every key. */
  private async publish(events: PendingOutboxEvent[]): Promise<void> {
    let start = 0;
    while (start < events.length) {
      const topic = events[start]!.topic;
      let end = start;
      while (end < events.length && events[end]!.topic === topic) end++;
      const run = events.slice(start, end);
      // The run's last id is its position: a retry after an attempt whose answer was lost sends nothing if the broker
      // has it (MessageProducer.sendOnce), so a broker killed mid-commit does not duplicate the run.
      await this.producer.sendOnce(
        topic,
        run.map((e) => ({ key: e.messageKey, value: e.payload })),
        { group: OUTBOX_PROGRESS_GROUP, position: run[run.length - 1]!.id },
      );
      const now = Date.now();
      for (const event of run) {
        const submittedAt = (event.payload as { submittedAt?: unknown }).submittedAt;
        if (typeof submittedAt === 'string')
          this.metrics.observeStage('outbox_relay', (now - Date.parse(submittedAt)) / 1000);
      }
      start = end;
    }
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const published = await this.outbox.publishPending(
          this.config.OUTBOX_BATCH_SIZE,
          this.config.OUTBOX_LEASE_MS,
          (events) => this.publish(events),
        );
        if (published === null || published < this.config.OUTBOX_BATCH_SIZE || this.stopped) break;
      }
      if (this.failures > 0) this.logger.info({ afterFailures: this.failures }, 'outbox relay recovered');
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.logger.warn({ err: error, failures: this.failures }, 'outbox relay cannot publish; will retry');
      }
      await this.outbox.recordFailedAttempt().catch(() => undefined);
    }
  }
}
