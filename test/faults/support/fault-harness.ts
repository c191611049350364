import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { startKafkaBroker, type RunningKafkaBroker } from '../../../tools/kafka/kafka-broker.js';
import { startServiceProcess, waitFor, type AppName, type ServiceProcess } from '../../support/service-process.js';
import { createTestTenant, type TestTenant } from '../../support/tenant-fixture.js';
import { freePort } from '../../support/free-port.js';

/**
 * A whole pipeline on loopback for fault injection: a dedicated Kafka broker (so it can be killed), a database,
 * and the three built services as processes (so they can be SIGKILLed and restarted).
 */
export interface Pipeline {
  broker: RunningKafkaBroker;
  brokerDataDir: string;
  brokerPorts: { port: number; controllerPort: number };
  databaseUrl: string;
  tenant: TestTenant;
  services: Map<string, ServiceProcess>;
  costCheck: CostCheck;
  env(app: AppName): NodeJS.ProcessEnv;
  start(app: AppName, name?: string): Promise<ServiceProcess>;
  restartBroker(kill: boolean): Promise<void>;
  stop(): Promise<void>;
}

export { freePort };

export const PARTITIONS = 6;

/** What a scenario changes about the pipeline: the extraction engine, extra variables per service, the cost rule. */
export interface PipelineOptions {
  run?: string;
  /** Extra variables per service (the extractor's engine and its endpoint, the validator's probe). */
  env?: Partial<Record<AppName, NodeJS.ProcessEnv>>;
  /** How the scenario's cost events are reconciled (default: the NER engine's model-seconds rule). */
  costCheck?: CostCheck;
}

/**
 * The default engine of the fault scenarios: the bundled NER model on CPU, one inference thread per extractor (two
 * vCPUs carry the broker, the database and every service), metered as one model-seconds event per note.
 */
const NER_ENGINE_ENV: NodeJS.ProcessEnv = { EXTRACTOR_ENGINE: 'bert-ner', NER_INTRA_OP_THREADS: '1' };

export async function startPipeline(databaseUrl: string, options: PipelineOptions = {}): Promise<Pipeline> {
  const run = options.run ?? randomUUID().slice(0, 8);
  // Fixed ports, so a restarted broker comes back where clients expect it.
  const brokerPorts = { port: await freePort(), controllerPort: await freePort() };
  let broker = await startKafkaBroker({ ...brokerPorts, log: () => undefined });
  const tenant = await createTestTenant(databaseUrl, `faults-${run}`);
  const services = new Map<string, ServiceProcess>();
  const topicEnv = {
    TOPIC_PARTITIONS_NOTES_SUBMITTED: String(PARTITIONS),
    TOPIC_PARTITIONS_EXTRACTIONS_RAW: String(PARTITIONS),
  };
  const pipeline: Pipeline = {
    broker,
    brokerDataDir: broker.dataDir,
    brokerPorts,
    databaseUrl,
    tenant,
    services,
    costCheck: options.costCheck ?? nerModelSecondsCheck,
    env: (app) => ({
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: broker.brokers,
      LOG_LEVEL: 'info',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_PARTITIONS_CONCURRENCY: '3',
      MESSAGE_RETRY_BASE_MS: '100',
      OUTBOX_POLL_INTERVAL_MS: '100',
      KAFKA_GROUP_ID: `faults-${run}-${app}`,
      ...topicEnv,
      ...(app === 'extractor' ? NER_ENGINE_ENV : {}),
      ...(app === 'gateway' ? { DEFAULT_ENGINE: 'bert-ner' } : {}),
      ...options.env?.[app],
    }),
    start: async (app, name = app) => {
      const service = await startServiceProcess(app, pipeline.env(app), 90_000);
      services.set(name, service);
      return service;
    },
    restartBroker: async (kill) => {
      if (kill) broker.kill('SIGKILL');
      await broker.stop();
      broker = await startKafkaBroker({ dataDir: pipeline.brokerDataDir, ...brokerPorts, log: () => undefined });
      pipeline.broker = broker;
    },
    stop: async () => {
      await Promise.all([...services.values()].map((s) => s.stop('SIGKILL')));
      await broker.stop();
    },
  };
  return pipeline;
}

/**
 * How long a client keeps retrying one note, as a hospital system would: longer than any outage a scenario makes
 * (a broker or database restart is a few seconds; on a loaded CI machine PostgreSQL's shutdown checkpoint and start
 * take longer), and bounded so a gateway that never recovers fails the scenario with what it answered.
 */
const RETRY_WINDOW_MS = 60_000;

/** Posts notes through the gateway's HTTP API with bounded concurrency; retries what did not get a 202. */
export async function postNotes(
  gatewayUrl: () => string,
  key: string,
  count: number,
  prefix: string,
  concurrency = 16,
): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      // What each refused attempt got (status and error code, or the fetch error), so a note that is never accepted
      // says why.
      const refusals = new Map<string, number>();
      const firstTry = Date.now();
      for (;;) {
        try {
          const response = await fetch(`${gatewayUrl()}/v1/notes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({
              externalId: `${prefix}-${i}`,
              text: `Fault run note ${i}: metformin 500 mg PO twice daily; lisinopril 10 mg daily.`,
            }),
          });
          if (response.status === 202) {
            ids[i] = ((await response.json()) as { id: string }).id;
            break;
          }
          const problem = (await response.json().catch(() => ({}))) as { code?: string };
          tally(refusals, `${response.status} ${problem.code ?? ''}`.trim());
        } catch (error) {
          // the gateway may be restarting: retry, as a hospital system would (same externalId → same note)
          const cause = (error as Error).cause;
          tally(refusals, `fetch: ${cause instanceof Error ? cause.message : (error as Error).message}`);
        }
        if (Date.now() - firstTry > RETRY_WINDOW_MS) {
          const seen = [...refusals].map(([what, n]) => `${what} ×${n}`).join(', ');
          throw new Error(`note ${i} was not accepted in ${RETRY_WINDOW_MS / 1000} s (${seen})`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

function tally(seen: Map<string, number>, what: string): void {
  seen.set(what, (seen.get(what) ?? 0) + 1);
}

/** Cost events against the product's rule for the scenario's engine, counted by each event's natural key. */
export interface CostReconciliation {
  /** Cost events recorded for the scenario's notes. */
  events: number;
  /** Events beyond what the rule allows for their unit of work (a unit metered twice). */
  duplicates: number;
  /** Units of work that should have an event and have none (or fewer than they should). */
  lost: number;
}

export type CostCheck = (db: pg.Client, tenantId: string, noteIds: string[]) => Promise<CostReconciliation>;

export interface Reconciliation {
  accepted: number;
  final: number;
  notFinal: number;
  extractions: number;
  duplicateExtractions: number;
  deadLetters: number;
  cost: CostReconciliation;
}

/**
 * The NER engine's rule (apps/extractor/src/extraction/cost-event.publisher.ts): one model-seconds event per note
 * it extracted. Natural key: note, engine, purpose — not the event id, so an event re-sent under another id would
 * show as a duplicate here even though the ledger's unique id could not catch it.
 */
export const nerModelSecondsCheck: CostCheck = async (db, tenantId, noteIds) => {
  const { rows } = await db.query<{ events: string; duplicates: string; lost: string }>(
    `WITH ner AS (
       SELECT note_id, count(*) AS n FROM cost_events
        WHERE tenant_id = $1 AND note_id = ANY($2::uuid[]) AND engine = 'bert-ner' AND purpose = 'extraction'
        GROUP BY note_id)
     SELECT
       (SELECT count(*) FROM cost_events WHERE tenant_id = $1 AND note_id = ANY($2::uuid[])) AS events,
       (SELECT coalesce(sum(n - 1), 0) FROM ner) AS duplicates,
       (SELECT count(*) FROM extractions e
         WHERE e.tenant_id = $1 AND e.note_id = ANY($2::uuid[]) AND e.engine_name = 'bert-ner'
           AND NOT EXISTS (SELECT 1 FROM ner WHERE ner.note_id = e.note_id)) AS lost`,
    [tenantId, noteIds],
  );
  const row = rows[0]!;
  return { events: Number(row.events), duplicates: Number(row.duplicates), lost: Number(row.lost) };
};

/** The final count: every accepted note in a final state, one extraction per note, dead letters and costs counted. */
export async function reconcile(pipeline: Pipeline, noteIds: string[]): Promise<Reconciliation> {
  const db = new pg.Client({ connectionString: pipeline.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ final: string; extractions: string; duplicates: string }>(
      `SELECT
         (SELECT count(*) FROM notes WHERE id = ANY($1::uuid[]) AND status IN ('accepted','needs_review','rejected','failed')) AS final,
         (SELECT count(*) FROM extractions WHERE note_id = ANY($1::uuid[])) AS extractions,
         (SELECT count(*) FROM (SELECT note_id FROM extractions WHERE note_id = ANY($1::uuid[]) GROUP BY note_id HAVING count(*) > 1) d) AS duplicates`,
      [noteIds],
    );
    const row = rows[0]!;
    const final = Number(row.final);
    return {
      accepted: noteIds.length,
      final,
      notFinal: noteIds.length - final,
      extractions: Number(row.extractions),
      duplicateExtractions: Number(row.duplicates),
      deadLetters: await countDeadLetters(pipeline),
      cost: await pipeline.costCheck(db, pipeline.tenant.id, noteIds),
    };
  } finally {
    await db.end();
  }
}

export async function countDeadLetters(pipeline: Pipeline): Promise<number> {
  const admin = new Kafka({ brokers: [pipeline.broker.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets('dead-letter');
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every accepted note is final, then until the counts settle: cost events and dead letters are published
 * before or beside the final state and consumed asynchronously, so they may trail it by a moment. Settled means no
 * cost unit missing and two reads a second apart agreeing (or `settleMs` gone by: the last read is returned, and the
 * scenario's expectations report what is wrong).
 */
export async function awaitAllFinal(
  pipeline: Pipeline,
  noteIds: string[],
  timeoutMs: number,
  settleMs = 20_000,
): Promise<Reconciliation> {
  let last = await waitFor(
    async () => {
      const r = await reconcile(pipeline, noteIds);
      return r.notFinal === 0 ? r : null;
    },
    timeoutMs,
    'every accepted note to reach a final state',
  );
  const deadline = Date.now() + settleMs;
  while (Date.now() < deadline) {
    await sleep(1000);
    const next = await reconcile(pipeline, noteIds);
    const stable = JSON.stringify(next) === JSON.stringify(last);
    last = next;
    if (stable && next.cost.lost === 0) break;
  }
  return last;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ScenarioRow {
  scenario: string;
  r: Reconciliation;
  seconds: number;
}

/** Every scenario's figures, printed as one table when the suite ends (see `printTable`). */
export const results: ScenarioRow[] = [];

export function report(scenario: string, r: Reconciliation, seconds: number): void {
  results.push({ scenario, r, seconds });
  process.stdout.write(
    `[faults] ${scenario}: accepted=${r.accepted} final=${r.final} notFinal=${r.notFinal} extractions=${r.extractions} ` +
      `duplicates=${r.duplicateExtractions} deadLetters=${r.deadLetters} costEvents=${r.cost.events} ` +
      `costDuplicates=${r.cost.duplicates} costLost=${r.cost.lost} in ${seconds.toFixed(1)} s\n`,
  );
}

/** The suite's summary: one row per scenario that got as far as its reconciliation. */
export function printTable(rows: readonly ScenarioRow[] = results): void {
  if (rows.length === 0) return;
  const header = [
    'scenario',
    'notes',
    'final',
    'not final',
    'extractions',
    'dup. extractions',
    'dead letters',
    'cost events',
    'cost duplicates',
    'cost lost',
    'wall s',
  ];
  const lines = rows.map(({ scenario, r, seconds }) => [
    scenario,
    r.accepted,
    r.final,
    r.notFinal,
    r.extractions,
    r.duplicateExtractions,
    r.deadLetters,
    r.cost.events,
    r.cost.duplicates,
    r.cost.lost,
    seconds.toFixed(1),
  ]);
  const table = [header, ...lines].map((cells) => `| ${cells.join(' | ')} |`);
  table.splice(1, 0, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  process.stdout.write(`[faults] summary\n${table.join('\n')}\n`);
}
