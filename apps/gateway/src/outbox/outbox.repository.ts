import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { noteStatusesBefore, PrismaService, type DatabaseTransaction } from '#database';
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
  /**
   * The rows of a publish that failed, claimed again as they were by the next call. A failed send may have gone out
   * (an unanswered commit), and the producer recognises it by the run's position (its last id); a fresh claim could
   * add a lower id that committed late, and that row would then be marked published without being sent.
   */
  private retryIds: bigint[] | null = null;

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
    let events = this.retryIds ? await this.claim(batchSize, leaseMs, this.retryIds) : null;
    if (events?.length === 0) this.retryIds = null; // another instance published them meanwhile
    if (!events?.length) events = await this.claim(batchSize, leaseMs);
    if (events === null || events.length === 0) return events === null ? null : 0;
    try {
      await publish(events);
    } catch (error) {
      this.retryIds = events.map((e) => e.id);
      await this.release(events).catch(() => undefined);
      throw error;
    }
    this.retryIds = null;
    await this.markPublished(events);
    return events.length;
  }

  /**
   * One instance at a time (advisory lock, held only for this statement) claims the oldest unpublished rows, and only
   * while no other instance holds a live claim, so rows still go out in id order across instances.
   */
  private claim(batchSize: number, leaseMs: number, ids?: bigint[]): Promise<PendingOutboxEvent[] | null> {
    // Plain SQL in one short transaction: the relay runs back to back under load, and Prisma's interactive
    // transaction cost several times the database's own work (bench/ingest.bench.ts).
    return this.prisma.sql.transaction(async (sql) => {
      const [lock] = await sql.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [OUTBOX_RELAY_LOCK],
        'outbox-relay-lock',
      );
      if (!lock?.locked) return null;
      const [busy] = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox_events
          WHERE published_at IS NULL AND claimed_until > now() AND claimed_by <> $1`,
        [this.relayId],
        'outbox-live-claims',
      );
      if ((busy?.n ?? 0) > 0) return null;
      type ClaimedRow = { id: string; topic: string; message_key: string; payload: unknown };
      const rows = ids
        ? await sql.query<ClaimedRow>(
            `UPDATE outbox_events SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2)
              WHERE id = ANY($3::bigint[]) AND published_at IS NULL
              RETURNING id, topic, message_key, payload`,
            [this.relayId, leaseMs / 1000, ids.map(String)],
            'outbox-claim-again',
          )
        : await sql.query<ClaimedRow>(
            `UPDATE outbox_events SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2)
              WHERE id IN (SELECT id FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT $3)
              RETURNING id, topic, message_key, payload`,
            [this.relayId, leaseMs / 1000, batchSize],
            'outbox-claim',
          );
      // pg returns bigint as text; the relay's position is the id as a bigint.
      return rows
        .map((r) => ({ id: BigInt(r.id), topic: r.topic as TopicName, messageKey: r.message_key, payload: r.payload }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  /** The rows went out: published whoever claims them now (a later claimant must not send them again). */
  private async markPublished(events: PendingOutboxEvent[]): Promise<void> {
    // Notes whose submission reached Kafka are now queued for extraction. One statement, so both or neither.
    await this.prisma.sql.query(
      `WITH published AS (
         UPDATE outbox_events SET published_at = now(), claimed_by = NULL, claimed_until = NULL
          WHERE id = ANY($1::bigint[]) AND published_at IS NULL)
       UPDATE notes SET status = 'queued', updated_at = now()
        WHERE id = ANY($2::uuid[]) AND status::text = ANY($3::text[])`,
      [
        events.map((e) => e.id.toString()),
        events.filter((e) => e.topic === 'notes.submitted').map((e) => e.messageKey),
        noteStatusesBefore('queued'),
      ],
      'outbox-mark-published',
    );
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
