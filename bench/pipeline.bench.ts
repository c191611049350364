// `npm run bench:pipeline`: the whole pipeline on loopback (real Kafka broker, real PostgreSQL, the three built
// services as processes, the bundled NER model on CPU) against the NER engine alone on the same notes, in one run.
// Prints one table and writes bench/results/pipeline.json. Sizes: PIPELINE_NOTES (default 200), PIPELINE_CONCURRENCY;
// the extractor's consumer: PIPELINE_PARTITIONS_CONCURRENCY (4), PIPELINE_MESSAGES_IN_FLIGHT (8; 1 = one note per partition).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { BertNerEngine } from '../apps/extractor/src/engines/bert-ner/bert-ner.engine.js';
import { startKafkaBroker } from '../tools/kafka/kafka-broker.js';
import { startServiceProcess, type AppName, type ServiceProcess } from '../test/support/service-process.js';
import { createMigratedDatabase, dropDatabase, REPO_ROOT } from '../test/support/test-database.js';
import { createTestTenant } from '../test/support/tenant-fixture.js';
import { loadNotes, type BenchNote } from './ner-bench.support.js';
import { cpuMsPerNote, processCpu } from './process-cpu.js';

const NOTES = Number(process.env.PIPELINE_NOTES ?? 200);
const CONCURRENCY = Number(process.env.PIPELINE_CONCURRENCY ?? 8);
const PARTITIONS = 6;
const MODEL_DIR = path.join(REPO_ROOT, 'models/clinex-bert-ner');
const WARM_UP_ID = 'bench-warm-up';

interface RunResult {
  extractors: number;
  notesPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
  stagesMs: Record<string, number>;
  peakRssMb: Record<string, number>;
  /** CPU ms per note of each process kind while the notes went through (2 CPUs give 2,000 ms per second). */
  cpuMsPerNote: Record<string, number>;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** The scrape token the bench's services are started with: /metrics answers nobody else. */
const METRICS_TOKEN = `pipeline-bench-${randomUUID()}`;

/** Mean milliseconds per observation of each stage, from the services' own /metrics histograms. */
async function stageMeans(services: ServiceProcess[]): Promise<Record<string, number>> {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const service of services) {
    const response = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    if (!response.ok) throw new Error(`${service.name} /metrics answered ${response.status}`);
    const text = await response.text();
    for (const match of text.matchAll(
      /^clinex_stage_seconds_(sum|count)\{[^}]*stage="([^"]+)"[^}]*\} ([0-9.e+-]+)$/gm,
    )) {
      const entry = sums.get(match[2]!) ?? { sum: 0, count: 0 };
      if (match[1] === 'sum') entry.sum += Number(match[3]);
      else entry.count += Number(match[3]);
      sums.set(match[2]!, entry);
    }
  }
  return Object.fromEntries(
    [...sums].map(([stage, s]) => [stage, s.count ? +((s.sum / s.count) * 1000).toFixed(2) : 0]),
  );
}

async function runPipeline(notes: BenchNote[], extractors: number): Promise<RunResult> {
  const broker = await startKafkaBroker({ log: () => undefined });
  const db = await createMigratedDatabase('clinex_bench');
  const services: ServiceProcess[] = [];
  try {
    const tenant = await createTestTenant(db.url, 'bench');
    const env = (app: AppName, i = 0): NodeJS.ProcessEnv => ({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: broker.brokers,
      // info: the harness waits for each service's "started" line.
      LOG_LEVEL: 'info',
      METRICS_TOKEN,
      EXTRACTOR_ENGINE: 'bert-ner',
      DEFAULT_ENGINE: 'bert-ner',
      NER_MODEL_DIR: MODEL_DIR,
      // One intra-op thread per extractor: on this 2-core machine the model shares its cores with four other
      // processes, and a second thread cost as much CPU again per note (43 against 21 ms) for no more notes/s.
      // The bare engine keeps its best setting (2 spinning threads, the whole machine): the ratio is against that.
      NER_INTRA_OP_THREADS: process.env.PIPELINE_NER_THREADS ?? '1',
      KAFKA_PARTITIONS_CONCURRENCY: process.env.PIPELINE_PARTITIONS_CONCURRENCY ?? '4',
      // Notes of one partition in work at once in an extractor (the validator keeps its own default).
      ...(app === 'extractor' ? { KAFKA_MESSAGES_IN_FLIGHT: process.env.PIPELINE_MESSAGES_IN_FLIGHT ?? '8' } : {}),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      OUTBOX_POLL_INTERVAL_MS: '50',
      TOPIC_PARTITIONS_NOTES_SUBMITTED: String(PARTITIONS),
      TOPIC_PARTITIONS_EXTRACTIONS_RAW: String(PARTITIONS),
      KAFKA_CLIENT_ID: `bench-${app}-${i}`,
      // The bench posts a burst far above one API key's default allowance; the limiter is not what it measures.
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    });
    // PIPELINE_CPU_PROF=DIR: V8 CPU profiles of the services (summarise with tools/perf/top-frames.ts).
    const profile = (app: AppName) =>
      process.env.PIPELINE_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.PIPELINE_CPU_PROF, `${app}-${extractors}x`)}`]
        : [];
    const gateway = await startServiceProcess('gateway', env('gateway'), 60_000, profile('gateway'));
    services.push(gateway, await startServiceProcess('validator', env('validator'), 60_000, profile('validator')));
    for (let i = 0; i < extractors; i++) {
      services.push(await startServiceProcess('extractor', env('extractor', i), 60_000, profile('extractor')));
    }

    const client = new pg.Client({ connectionString: db.url });
    // The database is dropped with FORCE when a run fails: the run's own error is the one to see, not this one.
    client.on('error', () => undefined);
    await client.connect();
    const submit = async (note: BenchNote, externalId = note.id) => {
      const response = await fetch(`${gateway.url}/v1/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.keys.submitter}` },
        body: JSON.stringify({ externalId, text: note.text }),
      });
      if (response.status !== 202) throw new Error(`gateway answered ${response.status}: ${await response.text()}`);
    };
    const extractions = async () =>
      Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM extractions')).rows[0]!.n);
    const waitForExtractions = async (count: number) => {
      while ((await extractions()) < count) await new Promise((r) => setTimeout(r, 100));
    };
    // Warm-up, not measured: one note through every stage, so the consumers have joined their groups and every
    // connection is open before the clock starts (the bare engine gets the same).
    await submit(notes[0]!, WARM_UP_ID);
    await waitForExtractions(1);
    let next = 0;
    const post = async () => {
      while (next < notes.length) await submit(notes[next++]!);
    };
    const cpuBefore = processCpu();
    await Promise.all(Array.from({ length: CONCURRENCY }, post));
    await waitForExtractions(notes.length + 1);
    const cpu = cpuMsPerNote(cpuBefore, processCpu(), notes.length);
    const { rows } = await client.query<{ accepted: Date; validated: Date }>(
      `SELECT n.created_at AS accepted, e.created_at AS validated FROM notes n JOIN extractions e ON e.note_id = n.id
        WHERE n.external_id <> $1`,
      [WARM_UP_ID],
    );
    await client.end();
    const first = Math.min(...rows.map((r) => r.accepted.getTime()));
    const last = Math.max(...rows.map((r) => r.validated.getTime()));
    const latencies = rows.map((r) => r.validated.getTime() - r.accepted.getTime()).sort((a, b) => a - b);
    const peak = Object.fromEntries(
      services.map((s, i) => [s.name === 'extractor' ? `extractor-${i - 1}` : s.name, peakRssMb(s.child.pid!)]),
    );
    return {
      extractors,
      notesPerSecond: +(notes.length / ((last - first) / 1000)).toFixed(2),
      latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
      stagesMs: await stageMeans(services),
      peakRssMb: peak,
      cpuMsPerNote: cpu,
    };
  } finally {
    await Promise.all(services.map((s) => s.stop('SIGTERM')));
    await broker.stop();
    await dropDatabase(db.name);
  }
}

/** The same notes through the NER engine alone, in this process, as concurrently as the pipeline sends them. */
async function runBareEngine(notes: BenchNote[]): Promise<{ notesPerSecond: number; cpuMsPerNote: number }> {
  // Its best setting here: both cores, threads spinning between runs (the machine runs nothing else meanwhile).
  const engine = await BertNerEngine.create({ modelDir: MODEL_DIR, intraOpNumThreads: 2, threadSpinning: true });
  try {
    await engine.extract({ noteId: WARM_UP_ID, tenantId: 'bench', text: notes[0]!.text });
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    let next = 0;
    const worker = async () => {
      while (next < notes.length) {
        const note = notes[next++]!;
        await engine.extract({ noteId: note.id, tenantId: 'bench', text: note.text });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const cpu = process.cpuUsage(cpuBefore);
    return {
      notesPerSecond: +(notes.length / (Number(process.hrtime.bigint() - started) / 1e9)).toFixed(2),
      // The whole process, the model's intra-op threads included.
      cpuMsPerNote: +((cpu.user + cpu.system) / 1000 / notes.length).toFixed(2),
    };
  } finally {
    await engine.close();
  }
}

const notes = loadNotes(path.join(REPO_ROOT, '../shared/data/mtsamples/notes.jsonl'), NOTES);
const bareEngine = await runBareEngine(notes);
const bare = bareEngine.notesPerSecond;
const one = await runPipeline(notes, 1);
const two = await runPipeline(notes, 2);
const report = {
  notes: notes.length,
  concurrency: CONCURRENCY,
  partitions: PARTITIONS,
  cpus: (await import('node:os')).cpus().length,
  bareEngineNotesPerSecond: bare,
  bareEngineCpuMsPerNote: bareEngine.cpuMsPerNote,
  pipeline: [one, two],
  pipelineVsBareEngine: +(one.notesPerSecond / bare).toFixed(3),
  twoVsOneExtractor: +(two.notesPerSecond / one.notesPerSecond).toFixed(3),
};

const sum = (cpu: Record<string, number>) =>
  +Object.values(cpu)
    .reduce((a, b) => a + b, 0)
    .toFixed(2);
const stages = [...new Set([...Object.keys(one.stagesMs), ...Object.keys(two.stagesMs)])].sort();
const lines = [
  `pipeline benchmark: ${notes.length} MTSamples notes, concurrency ${CONCURRENCY}, ${PARTITIONS} partitions, ${report.cpus} CPUs`,
  '',
  '| run | notes/s | p50 ms | p95 ms | p99 ms | vs bare engine |',
  '|---|---|---|---|---|---|',
  `| bare NER engine (in process) | ${bare} | | | | 1.000 |`,
  ...[one, two].map(
    (r) =>
      `| pipeline, ${r.extractors} extractor(s) | ${r.notesPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${(r.notesPerSecond / bare).toFixed(3)} |`,
  ),
  '',
  `2 vs 1 extractor: ${report.twoVsOneExtractor}x`,
  '',
  '| stage (mean ms per note) | 1 extractor | 2 extractors |',
  '|---|---|---|',
  ...stages.map((s) => `| ${s} | ${one.stagesMs[s] ?? ''} | ${two.stagesMs[s] ?? ''} |`),
  '',
  `| CPU ms per note (bare engine: ${bareEngine.cpuMsPerNote}) | 1 extractor | 2 extractors |`,
  '|---|---|---|',
  ...[...new Set([...Object.keys(one.cpuMsPerNote), ...Object.keys(two.cpuMsPerNote)])].map(
    (k) => `| ${k} | ${one.cpuMsPerNote[k] ?? ''} | ${two.cpuMsPerNote[k] ?? ''} |`,
  ),
  `| all | ${sum(one.cpuMsPerNote)} | ${sum(two.cpuMsPerNote)} |`,
  '',
  '| peak RSS (MB) | 1 extractor | 2 extractors |',
  '|---|---|---|',
  ...[...new Set([...Object.keys(one.peakRssMb), ...Object.keys(two.peakRssMb)])].map(
    (k) => `| ${k} | ${one.peakRssMb[k] ?? ''} | ${two.peakRssMb[k] ?? ''} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
writeFileSync(path.join(REPO_ROOT, 'bench/results/pipeline.json'), `${JSON.stringify(report, null, 2)}\n`);
