import { Injectable } from '@nestjs/common';
import { PrismaService, type DatabaseTransaction } from '#database';
import type { TopicName } from '#schemas';

export interface PendingOutboxEvent {
  id: bigint;
  topic: TopicName;
  messageKey: string;
  payload: unknown;
}

export interface NewOutboxEvent {
  tenantId: string;
  topic: TopicName;
  messageKey: string;
  payload: object;
}

// Any constant both relay instances agree on; it makes exactly one instance publish at a time, in id order.
const OUTBOX_RELAY_LOCK = 4_201_001;

@Injectable()
export class OutboxRepository {
  constructor(private readonly prisma: PrismaService) {}

  async append(tx: DatabaseTransaction, event: NewOutboxEvent): Promise<void> {
    await tx.outboxEvent.create({ data: event });
  }

  /** Appends events in the given order (ids follow it, so the relay publishes them in that order). */
  async appendMany(tx: DatabaseTransaction, events: NewOutboxEvent[]): Promise<void> {
    if (events.length > 0) await tx.outboxEvent.createMany({ data: events });
  }

  /**
   * Runs `publish` over the oldest unpublished events while holding the relay lock, and marks them published only if
   * it succeeds, all in one transaction. Returns how many were published, or null if another instance holds the lock.
   */
  async publishPending(
    batchSize: number,
    publish: (events: PendingOutboxEvent[]) => Promise<void>,
  ): Promise<number | null> {
    return this.prisma.client.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<
          { locked: boolean }[]
        >`SELECT pg_try_advisory_xact_lock(${OUTBOX_RELAY_LOCK}) AS locked`;
        if (!lock?.locked) return null;
        const rows = await tx.$queryRaw<{ id: bigint; topic: string; message_key: string; payload: unknown }[]>`
          SELECT id, topic, message_key, payload FROM outbox_events
          WHERE published_at IS NULL ORDER BY id LIMIT ${batchSize}`;
        if (rows.length === 0) return 0;
        const events = rows.map((r) => ({
          id: r.id,
          topic: r.topic as TopicName,
          messageKey: r.message_key,
          payload: r.payload,
        }));
        await publish(events);
        const ids = events.map((e) => e.id);
        await tx.outboxEvent.updateMany({ where: { id: { in: ids } }, data: { publishedAt: new Date() } });
        // Notes whose submission reached Kafka are now queued for extraction.
        const noteIds = events.filter((e) => e.topic === 'notes.submitted').map((e) => e.messageKey);
        await tx.note.updateMany({ where: { id: { in: noteIds }, status: 'received' }, data: { status: 'queued' } });
        return events.length;
      },
      { timeout: 30_000, maxWait: 10_000 },
    );
  }

  async recordFailedAttempt(): Promise<void> {
    await this.prisma.client.$executeRaw`
      UPDATE outbox_events SET attempts = attempts + 1
      WHERE id = (SELECT id FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT 1)`;
  }

  pendingCount(): Promise<number> {
    return this.prisma.client.outboxEvent.count({ where: { publishedAt: null } });
  }
}
