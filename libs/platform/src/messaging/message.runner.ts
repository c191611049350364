import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { DEAD_LETTER_TOPIC, type ContractResult, type DeadLetter } from '#schemas';
import type { Delivery } from './delivery.js';
import { isUnavailableError, type MessageOutcome } from './message-outcome.js';
import type { MessageProducer } from './message-producer.js';
import { Metrics } from '../metrics/metrics.module.js';

export interface MessageRunnerOptions {
  consumerGroup: string;
  /** Attempts for a retryable failure before the message is dead-lettered. */
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * Turns a handler's outcome into what happens to the Kafka message:
 * success/skipped → returns, and the offset is committed after it;
 * retryable failure → retried here with exponential backoff and jitter (heartbeating so the group keeps us);
 * non-retryable failure, exhausted retries, malformed or schema-invalid payload → dead-letter topic, then returns.
 * It only throws when the dead-letter publish itself fails or the process is shutting down: then the offset is not
 * committed and the message is redelivered, so nothing is lost, and a poison message never blocks its partition.
 */
export class MessageRunner {
  private closing = false;

  constructor(
    private readonly producer: MessageProducer,
    private readonly options: MessageRunnerOptions,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Called on shutdown: in-flight retries stop, and their messages are redelivered to the next consumer. */
  close(): void {
    this.closing = true;
  }

  async run<T>(
    delivery: Delivery,
    data: unknown,
    check: (data: unknown) => ContractResult<T>,
    handle: (message: T) => Promise<MessageOutcome>,
  ): Promise<MessageOutcome> {
    const outcome = await this.settle(delivery, data, check, handle);
    this.metrics?.countMessage(delivery.topic, outcome.kind === 'failed' ? 'dead_lettered' : outcome.kind);
    return outcome;
  }

  private async settle<T>(
    delivery: Delivery,
    data: unknown,
    check: (data: unknown) => ContractResult<T>,
    handle: (message: T) => Promise<MessageOutcome>,
  ): Promise<MessageOutcome> {
    const where = { topic: delivery.topic, partition: delivery.partition, offset: delivery.offset };

    if (typeof data !== 'object' || data === null) {
      const outcome: MessageOutcome = {
        kind: 'failed',
        retryable: false,
        code: 'malformed_json',
        detail: 'value is not a JSON object',
      };
      await this.deadLetter(delivery, data, 'malformed_json', outcome.detail, 1);
      return outcome;
    }
    const parsed = check(data);
    if (!parsed.ok) {
      // Paths and messages only: a validation message never quotes the offending value.
      const detail = parsed.errors
        .slice(0, 20)
        .map((e) => `${e.path} ${e.message}`)
        .join('; ');
      await this.deadLetter(delivery, data, 'schema_invalid', detail, 1);
      return { kind: 'failed', retryable: false, code: 'schema_invalid', detail };
    }

    let outageWaits = 0;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(handle, parsed.value);
      switch (outcome.kind) {
        case 'success':
        case 'skipped':
          this.logger.debug({ ...where, outcome: outcome.kind }, 'message processed');
          return outcome;
        case 'failed': {
          const exhausted = attempt >= this.options.maxAttempts;
          if (!outcome.retryable || exhausted) {
            const reason = outcome.retryable ? 'retries_exhausted' : 'non_retryable';
            await this.deadLetter(delivery, data, reason, `${outcome.code}: ${outcome.detail}`, attempt);
            return outcome;
          }
          if (this.closing) throw new Error('shutting down: message left uncommitted for redelivery');
          const delay = this.backoff(attempt);
          this.logger.warn({ ...where, code: outcome.code, attempt, delayMs: delay }, 'retryable failure; retrying');
          await this.sleepWithHeartbeat(delivery, delay);
          break;
        }
        case 'unavailable': {
          if (this.closing) throw new Error('shutting down: message left uncommitted for redelivery');
          outageWaits++;
          const delay = this.backoff(Math.min(outageWaits, 8));
          // Every attempt would log the same thing while the dependency is down: log the first, then every 10th.
          if (outageWaits === 1 || outageWaits % 10 === 0) {
            this.logger.warn(
              { ...where, code: outcome.code, waits: outageWaits, delayMs: delay },
              'dependency unavailable; waiting',
            );
          }
          await this.sleepWithHeartbeat(delivery, delay);
          attempt--; // an outage does not use up the message's retry budget
          break;
        }
        default: {
          const unreachable: never = outcome;
          throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
        }
      }
    }
  }

  private async attempt<T>(handle: (message: T) => Promise<MessageOutcome>, message: T): Promise<MessageOutcome> {
    try {
      return await handle(message);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
      if (isUnavailableError(error)) return { kind: 'unavailable', code: 'dependency_unavailable', detail };
      // Any other exception is treated as transient: retried, then dead-lettered, never retried forever.
      return { kind: 'failed', retryable: true, code: 'unexpected_error', detail };
    }
  }

  private backoff(attempt: number): number {
    const exponential = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempt - 1));
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  private async sleepWithHeartbeat(delivery: Delivery, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
      await delivery.heartbeat().catch(() => undefined);
    }
  }

  private async deadLetter(
    delivery: Delivery,
    data: unknown,
    reason: DeadLetter['reason'],
    detail: string,
    attempts: number,
  ): Promise<void> {
    const original = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data : JSON.stringify(data ?? null);
    const letter: DeadLetter = {
      version: 1,
      sourceTopic: delivery.topic,
      partition: delivery.partition,
      offset: delivery.offset,
      consumerGroup: this.options.consumerGroup,
      reason,
      detail: detail.slice(0, 2000),
      attempts,
      payloadBase64: Buffer.from(original).toString('base64'),
      failedAt: new Date().toISOString(),
    };
    const key = delivery.key ?? `${letter.sourceTopic}:${letter.partition}:${letter.offset}`;
    await this.producer.send(DEAD_LETTER_TOPIC, [{ key, value: letter }]);
    this.logger.warn(
      { topic: letter.sourceTopic, partition: letter.partition, offset: letter.offset, reason, attempts },
      'message dead-lettered',
    );
  }
}

/** The variables every consuming service has for its runner (see the apps' config schemas). */
export interface MessageRunnerConfig {
  KAFKA_GROUP_ID: string;
  MESSAGE_MAX_ATTEMPTS: number;
  MESSAGE_RETRY_BASE_MS: number;
  MESSAGE_RETRY_MAX_MS: number;
}

/** The MessageRunner provider of a consuming service, counting outcomes in its metrics. */
export function messageRunnerProvider(
  producer: MessageProducer,
  config: MessageRunnerConfig,
  logger: Logger,
): Provider {
  return {
    provide: MessageRunner,
    inject: [Metrics],
    useFactory: (metrics: Metrics) =>
      new MessageRunner(
        producer,
        {
          consumerGroup: config.KAFKA_GROUP_ID,
          maxAttempts: config.MESSAGE_MAX_ATTEMPTS,
          baseBackoffMs: config.MESSAGE_RETRY_BASE_MS,
          maxBackoffMs: config.MESSAGE_RETRY_MAX_MS,
        },
        logger,
        metrics,
      ),
  };
}
