import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureTopics, topicSpecs } from '../libs/platform/src/kafka/kafka-topics.js';
import { topicPartitionsSchema } from '../libs/platform/src/config/config.loader.js';
import { startKafkaBroker } from '../tools/kafka/kafka-broker.js';
import { startServiceProcess } from '../test/support/service-process.js';
import { cpuMsPerNote, processCpu } from './process-cpu.js';
import { createTestTenant } from '../test/support/tenant-fixture.js';
import { createMigratedDatabase, dropDatabase } from '../test/support/test-database.js';

/**
 * Ingestion: the built gateway on loopback (auth, validation, idempotency bookkeeping, note + outbox row in one
 * transaction) driven by autocannon at a few concurrency levels, next to the floor it cannot beat: the same rows
 * (note + outbox event, one transaction per note) written with raw `pg` at the same concurrency, in the same run.
 *
 *   npm run build && npx tsx --conditions=clinex-source bench/ingest.bench.ts [--seconds 5] [--out bench/results/ingest.json]
 *     [--levels 1,8,32] [--cpu-prof DIR]
 *
 * Uses DATABASE_URL's server (a fresh database, dropped afterwards) and the Kafka broker in KAFKA_BROKERS, or starts
 * one (tools/kafka) when that is unset; the outbox relay publishes while the load runs, as in production.
 */

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  duration: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    out: { type: 'string' },
    levels: { type: 'string', default: '1,8,32' },
    // Load before the measured rows: the gateway's JIT, its pool and key cache, and the broker's transactional path
    // (a cold JVM spends twice the CPU per message for its first few thousand).
    warmup: { type: 'string', default: '12' },
    // Writes the gateway's V8 CPU profile into this folder (read it with `npx tsx tools/perf/top-frames.ts DIR`).
    'cpu-prof': { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const LEVELS = args.levels.split(',').map(Number);
const TEXT =
  'Pt is a 64 y/o F with T2DM and HTN. Started metformin 500 mg PO BID. Continue lisinopril 10 mg PO daily. ' +
  'Denies chest pain. A1c 7.2 %. Follow up in 3 months.';

interface Row {
  mode: string;
  concurrency: number;
  notesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU milliseconds per note of each process kind on the machine during the row (user + system). */
  cpuMsPerNote?: Record<string, number>;
}

/** Runs `measure` and adds the CPU each process kind spent per note meanwhile. */
async function withCpu(measure: () => Promise<Row>): Promise<Row> {
  const before = processCpu();
  const row = await measure();
  const after = processCpu();
  const notes = row.notesPerSecond * SECONDS;
  row.cpuMsPerNote = cpuMsPerNote(before, after, notes);
  return row;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function gatewayRun(
  url: string,
  key: string,
  concurrency: number,
  path: string,
  perRequest: number,
  seconds = SECONDS,
): Promise<Row> {
  const body = () =>
    perRequest === 1
      ? JSON.stringify({ externalId: randomUUID(), text: TEXT })
      : JSON.stringify({ notes: Array.from({ length: perRequest }, () => ({ externalId: randomUUID(), text: TEXT })) });
  const result = await autocannon({
    url: `${url}${path}`,
    connections: concurrency,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        setupRequest: (request: Record<string, unknown>) => ({ ...request, body: body() }),
      },
    ],
  });
  return {
    mode: perRequest === 1 ? 'gateway POST /v1/notes' : `gateway POST /v1/notes/batch (${perRequest}/request)`,
    concurrency,
    notesPerSecond: (result['2xx'] * perRequest) / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

/** The same rows with raw pg: one transaction per note inserting the note and its outbox event. */
async function rawRun(databaseUrl: string, tenantId: string, concurrency: number): Promise<Row> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency });
  const latencies: number[] = [];
  let done = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (Date.now() < deadline) {
        const started = process.hrtime.bigint();
        const id = randomUUID();
        const externalId = randomUUID();
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status, updated_at)
           VALUES ($1, $2, $3, $4, 'none', 'received', now())`,
          [id, tenantId, externalId, TEXT],
        );
        const payload = { version: 1, messageId: randomUUID(), tenantId, noteId: id, externalId, text: TEXT };
        await client.query(
          `INSERT INTO outbox_events (tenant_id, topic, message_key, payload) VALUES ($1, 'notes.submitted', $2, $3)`,
          [tenantId, id, JSON.stringify(payload)],
        );
        await client.query('COMMIT');
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        done++;
      }
    } finally {
      client.release();
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (Date.now() - start) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  return {
    mode: 'raw pg insert (note + outbox)',
    concurrency,
    notesPerSecond: done / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: 0,
  };
}

const database = await createMigratedDatabase('clinex_bench');
const broker = process.env.KAFKA_BROKERS ? null : await startKafkaBroker({ log: () => undefined });
const brokers = process.env.KAFKA_BROKERS ?? broker!.brokers;
try {
  await ensureTopics(brokers.split(','), topicSpecs(topicPartitionsSchema.parse({})));
  const tenant = await createTestTenant(database.url, 'bench');
  const gateway = await startServiceProcess(
    'gateway',
    {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: brokers,
      LOG_LEVEL: 'info', // the harness waits for the "started" line
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      DATABASE_POOL_SIZE: '20',
      ...(process.env.OUTBOX_LINGER_MS ? { OUTBOX_LINGER_MS: process.env.OUTBOX_LINGER_MS } : {}),
    },
    60_000,
    args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [],
  );
  const rows: Row[] = [];
  try {
    await gatewayRun(gateway.url, tenant.keys.submitter, 8, '/v1/notes', 1, Number(args.warmup));
    for (const concurrency of LEVELS) {
      rows.push(await withCpu(() => gatewayRun(gateway.url, tenant.keys.submitter, concurrency, '/v1/notes', 1)));
      rows.push(await withCpu(() => rawRun(database.url, tenant.id, concurrency)));
    }
    rows.push(await withCpu(() => gatewayRun(gateway.url, tenant.keys.submitter, 8, '/v1/notes/batch', 50)));
  } finally {
    await gateway.stop('SIGTERM');
  }

  const line = (r: Row) =>
    `${r.mode.padEnd(42)} c=${String(r.concurrency).padStart(3)}  ${r.notesPerSecond.toFixed(0).padStart(7)} notes/s  ` +
    `p50 ${r.p50Ms.toFixed(1).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms  errors ${r.errors}`;
  process.stdout.write(`\ningestion, ${SECONDS} s per run, gateway on loopback with Kafka at ${brokers}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write('\nCPU ms per note, by process (the whole machine is shared by all of them):\n');
  for (const r of rows) {
    const cpu = Object.entries(r.cpuMsPerNote ?? {})
      .map(([kind, ms]) => `${kind} ${ms.toFixed(2)}`)
      .join(', ');
    process.stdout.write(`  ${r.mode.padEnd(42)} c=${String(r.concurrency).padStart(3)}  ${cpu}\n`);
  }
  process.stdout.write('\ngateway / raw pg (notes/s) at the same concurrency:\n');
  const ratios = LEVELS.map((c) => {
    const g = rows.find((r) => r.concurrency === c && r.mode === 'gateway POST /v1/notes')!;
    const raw = rows.find((r) => r.concurrency === c && r.mode.startsWith('raw'))!;
    const ratio = g.notesPerSecond / raw.notesPerSecond;
    process.stdout.write(`  c=${String(c).padStart(3)}  ${(ratio * 100).toFixed(0)}% of raw\n`);
    return { concurrency: c, ratio };
  });
  if (args.out) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, `${JSON.stringify({ seconds: SECONDS, rows, ratios }, null, 2)}\n`);
  }
} finally {
  await dropDatabase(database.name);
  await broker?.stop();
}
