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
import { createTestTenant } from '../support/tenant-fixture.js';
import { createMigratedDatabase, dropDatabase } from '../support/test-database.js';
import { freePort, sleep } from './support/fault-harness.js';

/**
 * The outbox relay across RESTARTS (default 20) broker kills: each round posts notes while the broker is up, SIGKILLs it while
 * notes keep arriving (so sends are cut off mid-flight), posts more while it is down, and restarts it. At the end the
 * topic is read whole: every accepted note must be there exactly once. Duplicates and losses are counted and printed
 * before they are asserted, so a failing run says how far off it was.
 */
const RESTARTS = Number(process.env.OUTBOX_RESTARTS ?? 20);

describe(`outbox relay over ${RESTARTS} broker kills and restarts`, () => {
  let database: { name: string; url: string };
  let db: pg.Client;
  let broker: RunningKafkaBroker;
  let ports: { port: number; controllerPort: number };
  let gateway: RunningService<GatewayConfig>;
  let submitterKey: string;

  beforeAll(async () => {
    database = await createMigratedDatabase('clinex_outbox_faults');
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    submitterKey = (await createTestTenant(database.url, 'outbox-faults')).keys.submitter;
    ports = { port: await freePort(), controllerPort: await freePort() };
    while (ports.controllerPort === ports.port) ports.controllerPort = await freePort();
    broker = await startKafkaBroker({ ...ports, log: () => undefined });
    await ensureTopics([broker.brokers], topicSpecs(topicPartitionsSchema.parse({})));
    gateway = await startService(gatewayService, {
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: broker.brokers,
        PORT: '0',
        LOG_LEVEL: process.env.OUTBOX_FAULT_LOG_LEVEL ?? 'error',
        OUTBOX_POLL_INTERVAL_MS: '100',
        OUTBOX_BATCH_SIZE: '5',
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

  const post = async (label: string): Promise<string> => {
    const response = await fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${submitterKey}` },
      body: JSON.stringify({ externalId: `${label}-${randomUUID()}`, text: 'Lisinopril 10 mg PO daily.' }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const unpublished = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL')).rows[0]!
      .n;

  it('publishes every accepted note exactly once', async () => {
    const accepted: string[] = [];
    for (let round = 0; round < RESTARTS; round++) {
      for (let i = 0; i < 5; i++) accepted.push(await post(`up-${round}`));
      // Notes keep arriving while the broker dies, so some sends are in flight at the kill.
      const posting = (async () => {
        for (let i = 0; i < 10; i++) accepted.push(await post(`kill-${round}`));
      })();
      await sleep(20 + (round % 5) * 15);
      broker.kill('SIGKILL');
      await broker.stop();
      await posting;
      broker = await startKafkaBroker({ ...ports, dataDir: broker.dataDir, log: () => undefined });
      await waitFor(
        async () => ((await unpublished()) === 0 ? true : null),
        120_000,
        `the outbox to drain (round ${round})`,
      );
    }

    const seen = await readNoteIds(broker.brokers, 'notes.submitted', accepted.length);

    const counts = new Map<string, number>();
    for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
    const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    const lost = accepted.filter((id) => !counts.has(id)).length;
    process.stdout.write(
      `[faults] outbox: ${RESTARTS} broker kills/restarts, ${accepted.length} notes accepted, ` +
        `${seen.length} messages on the topic, ${duplicates} duplicate(s), ${lost} lost\n`,
    );
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    expect([...seen].sort()).toEqual([...accepted].sort());
  }, 1_500_000);
});
