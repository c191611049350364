import { randomUUID } from 'node:crypto';
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

// Any constant all relay instances agree on: it makes claims one at a time, so claims follow id order.
const OUTBOX_RELAY_LOCK = 4_201_001;

@Injectable()
export class OutboxRepository {
  /** This process's relay identity in claims (one repository per gateway process). */
  private readonly relayId = randomUUID();

  constructor(private readonly prisma: PrismaService) {}

  async append(tx: DatabaseTransaction, event: NewOutboxEvent): Promise<void> {
    await tx.outboxEvent.create({ data: event });
  }

  /** Appends events in the given order (ids follow it, so the relay publishes them in that order). */
  async appendMany(tx: DatabaseTransaction, events: NewOutboxEvent[]): Promise<void> {
    if (events.length > 0) await tx.outboxEvent.createMany({ data: events });
  }

  /**
   * Claims the oldest unpublished events for this relay instance, runs `publish` over them outside any transaction,
   * then marks them published. Returns how many were published, or null when another instance's claim is live.
   *
   * Only the claim and the mark are (short) transactions: a send that waits on a restarting broker holds no database
   * transaction that could time out and roll back after the messages went out (which re-sent them). The claim is a
   * lease: a relay that crashes between send and mark leaves rows that another instance takes over once the lease
   * lapses (those are sent again: the one case of a duplicate, and consumers are idempotent). A failed send releases
   * the claim at once.
   */
  async publishPending(
    batchSize: number,
    leaseMs: number,
    publish: (events: PendingOutboxEvent[]) => Promise<void>,
  ): Promise<number | null> {
    const events = await this.claim(batchSize, leaseMs);
    if (events === null || events.length === 0) return events === null ? null : 0;
    try {
      await publish(events);
    } catch (error) {
      await this.release(events).catch(() => undefined);
      throw error;
    }
    await this.markPublished(events);
    return events.length;
  }

  /**
   * One instance at a time (advisory lock, held only for this statement) claims the oldest unpublished rows, and only
   * while no other instance holds a live claim, so rows still go out in id order across instances.
   */
  private claim(batchSize: number, leaseMs: number): Promise<PendingOutboxEvent[] | null> {
    return this.prisma.client.$transaction(async (tx) => {
      const [lock] = await tx.$queryRaw<
        { locked: boolean }[]
      >`SELECT pg_try_advisory_xact_lock(${OUTBOX_RELAY_LOCK}) AS locked`;
      if (!lock?.locked) return null;
      const [busy] = await tx.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM outbox_events
        WHERE published_at IS NULL AND claimed_until > now() AND claimed_by <> ${this.relayId}`;
      if ((busy?.n ?? 0) > 0) return null;
      const rows = await tx.$queryRaw<{ id: bigint; topic: string; message_key: string; payload: unknown }[]>`
        UPDATE outbox_events SET claimed_by = ${this.relayId},
          claimed_until = now() + make_interval(secs => ${leaseMs / 1000})
        WHERE id IN (SELECT id FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT ${batchSize})
        RETURNING id, topic, message_key, payload`;
      return rows
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => ({ id: r.id, topic: r.topic as TopicName, messageKey: r.message_key, payload: r.payload }));
    });
  }

  /** The rows went out: published whoever claims them now (a later claimant must not send them again). */
  private async markPublished(events: PendingOutboxEvent[]): Promise<void> {
    const ids = events.map((e) => e.id);
    // Notes whose submission reached Kafka are now queued for extraction.
    const noteIds = events.filter((e) => e.topic === 'notes.submitted').map((e) => e.messageKey);
    await this.prisma.client.$transaction([
      this.prisma.client.outboxEvent.updateMany({
        where: { id: { in: ids }, publishedAt: null },
        data: { publishedAt: new Date(), claimedBy: null, claimedUntil: null },
      }),
      this.prisma.client.note.updateMany({
        where: { id: { in: noteIds }, status: 'received' },
        data: { status: 'queued' },
      }),
    ]);
  }

  private async release(events: PendingOutboxEvent[]): Promise<void> {
    await this.prisma.client.outboxEvent.updateMany({
      where: { id: { in: events.map((e) => e.id) }, claimedBy: this.relayId, publishedAt: null },
      data: { claimedBy: null, claimedUntil: null },
    });
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
