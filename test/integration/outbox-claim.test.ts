import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPrismaService, type PrismaService } from '#database';
import { OutboxRepository, type PendingOutboxEvent } from '../../apps/gateway/src/outbox/outbox.repository.js';
import { createTestTenant } from '../support/tenant-fixture.js';
import { createMigratedDatabase, dropDatabase } from '../support/test-database.js';

/**
 * OutboxRepository on a database of its own: a failed publish is retried with exactly the rows it had. A send whose
 * commit went unanswered may have gone out, and the producer recognises it by the run's last id; a fresh claim could
 * add a lower id whose transaction committed late, and that row would be marked published without being sent.
 */
describe('outbox claims after a failed publish', () => {
  let database: { name: string; url: string };
  let db: pg.Client;
  let prisma: PrismaService;
  let tenantId: string;

  beforeAll(async () => {
    database = await createMigratedDatabase('clinex_outbox_claim');
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    tenantId = (await createTestTenant(database.url, 'outbox-claim')).id;
    prisma = createPrismaService(database.url, 2);
  }, 60_000);

  afterAll(async () => {
    await prisma?.onApplicationShutdown();
    await db?.end();
    if (database) await dropDatabase(database.name);
  });

  const insert = (client: pg.Client, key: string) =>
    client.query(
      `INSERT INTO outbox_events (tenant_id, topic, message_key, payload) VALUES ($1, 'notes.submitted', $2, '{}')`,
      [tenantId, key],
    );

  it('claims the same rows again, not a lower id that committed in between, then the rest', async () => {
    const outbox = new OutboxRepository(prisma);
    const lateClient = new pg.Client({ connectionString: database.url });
    await lateClient.connect();
    try {
      // "late" takes the lower id and commits after "early", which has the higher id.
      await lateClient.query('BEGIN');
      // Message keys are note ids (markPublished moves those notes on), so uuids; named here for the assertions.
      const late = randomUUID();
      const early = randomUUID();
      await insert(lateClient, late);
      await insert(db, early);

      const sent: string[][] = [];
      const keys = (events: PendingOutboxEvent[]) => events.map((e) => e.messageKey);
      await expect(
        outbox.publishPending(10, 30_000, async (events) => {
          sent.push(keys(events));
          throw new Error('commit unanswered');
        }),
      ).rejects.toThrow('commit unanswered');
      await lateClient.query('COMMIT');

      const record = async (events: PendingOutboxEvent[]) => void sent.push(keys(events));
      expect(await outbox.publishPending(10, 30_000, record)).toBe(1);
      expect(await outbox.publishPending(10, 30_000, record)).toBe(1);
      expect(await outbox.publishPending(10, 30_000, record)).toBe(0);
      expect(sent).toEqual([[early], [early], [late]]);
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      await lateClient.end();
    }
  }, 60_000);
});
