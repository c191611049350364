import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ensureTopics, startService, topicSpecs, type RunningService } from '../../libs/platform/src/index.js';
import { topicPartitionsSchema } from '../../libs/platform/src/config/config.loader.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import { startKafkaBroker, type RunningKafkaBroker } from '../../tools/kafka/kafka-broker.js';
import { waitFor } from '../support/service-process.js';
import { readNoteIds } from '../support/topic-reader.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';
import { createMigratedDatabase, dropDatabase } from '../support/test-database.js';
import { freePort } from '../support/free-port.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in assertions.
type Loose = Record<string, any>;

/**
 * Acceptance 3, on a broker of its own so stopping it disturbs no other test: with Kafka down the gateway still
 * accepts notes (202, committed with their outbox rows), and once the broker is back the relay publishes every one
 * of them exactly once: the topic holds one message per note, none lost, none twice.
 */
describe('transactional outbox survives the broker being down', () => {
  // A database of its own: the relay sends every unsent outbox row it finds, so in the shared test database another
  // suite's rows (notes submitted just before its gateway stopped) would reach this test's topic too.
  let database: { name: string; url: string };
  let databaseUrl: string;
  let db: pg.Client;
  let broker: RunningKafkaBroker;
  let ports: { port: number; controllerPort: number };
  let gateway: RunningService<GatewayConfig>;
  let tenant: TestTenant;
  const accepted: string[] = [];

  beforeAll(async () => {
    database = await createMigratedDatabase('clinex_gateway_outbox');
    databaseUrl = database.url;
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'outbox');
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    ports = { port, controllerPort };
    broker = await startKafkaBroker({ ...ports, log: () => undefined });
    await ensureTopics([broker.brokers], topicSpecs(topicPartitionsSchema.parse({})));
    gateway = await startService(gatewayService, {
      env: {
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: broker.brokers,
        PORT: '0',
        LOG_LEVEL: 'error',
        OUTBOX_POLL_INTERVAL_MS: '200',
        DOCS_ENABLED: 'false',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.app.close();
    await broker?.stop();
    await db?.end();
    if (database) await dropDatabase(database.name);
  }, 60_000);

  const submit = async (path: string, body: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.keys.submitter}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Loose };
  };
  const unpublished = async (ids: string[]) =>
    (
      await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox_events WHERE message_key = ANY($1) AND published_at IS NULL',
        [ids],
      )
    ).rows[0]!.n;

  it('publishes while the broker is up', async () => {
    const { status, body } = await submit('/v1/notes', {
      externalId: `up-${randomUUID()}`,
      text: 'Before the outage.',
    });
    expect(status).toBe(202);
    accepted.push(body.id as string);
    await waitFor(async () => ((await unpublished(accepted)) === 0 ? true : null), 30_000, 'the first note to publish');
  });

  it('accepts notes with the broker down and publishes all of them, once each, after it restarts', async () => {
    broker.kill('SIGKILL');
    await broker.stop();

    const during: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { status, body } = await submit('/v1/notes', {
        externalId: `down-${i}-${randomUUID()}`,
        text: `Note ${i}.`,
      });
      expect(status).toBe(202);
      during.push(body.id as string);
    }
    const batch = await submit('/v1/notes/batch', {
      notes: Array.from({ length: 10 }, (_, i) => ({
        externalId: `down-batch-${i}-${randomUUID()}`,
        text: `Batch ${i}.`,
      })),
    });
    expect(batch.status).toBe(202);
    during.push(...(batch.body.results as { note: { id: string } }[]).map((r) => r.note.id));
    accepted.push(...during);

    // Committed, waiting in the outbox, and reported as queued (not yet handed to the pipeline).
    await new Promise((r) => setTimeout(r, 1500));
    expect(await unpublished(during)).toBe(during.length);
    const listed = await fetch(`${gateway.url}/v1/notes?status=queued&limit=200`, {
      headers: { authorization: `Bearer ${tenant.keys.submitter}` },
    });
    const queued = ((await listed.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(queued.sort()).toEqual([...during].sort());

    broker = await startKafkaBroker({ ...ports, dataDir: broker.dataDir, log: () => undefined });
    await waitFor(async () => ((await unpublished(accepted)) === 0 ? true : null), 90_000, 'the outbox to drain');

    // Downstream: read the whole topic back. Every accepted note is there exactly once, and nothing else is.
    const seen = await readNoteIds(broker.brokers, 'notes.submitted', accepted.length);
    expect([...seen].sort()).toEqual([...accepted].sort());
    const statuses = await db.query<{ status: string }>('SELECT DISTINCT status::text FROM notes WHERE id = ANY($1)', [
      accepted,
    ]);
    expect(statuses.rows).toEqual([{ status: 'queued' }]);
  }, 180_000);
});
