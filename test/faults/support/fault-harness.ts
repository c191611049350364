import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { startKafkaBroker, type RunningKafkaBroker } from '../../../tools/kafka/kafka-broker.js';
import { startServiceProcess, waitFor, type AppName, type ServiceProcess } from '../../support/service-process.js';
import { createTestTenant, type TestTenant } from '../../support/tenant-fixture.js';

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
  env(app: AppName): NodeJS.ProcessEnv;
  start(app: AppName, name?: string): Promise<ServiceProcess>;
  restartBroker(kill: boolean): Promise<void>;
  stop(): Promise<void>;
}

export const PARTITIONS = 6;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPipeline(databaseUrl: string, run = randomUUID().slice(0, 8)): Promise<Pipeline> {
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
      for (let attempt = 0; ; attempt++) {
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
        } catch {
          // the gateway may be restarting: retry, as a hospital system would (same externalId → same note)
        }
        if (attempt > 200) throw new Error(`note ${i} was never accepted`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

export interface Reconciliation {
  accepted: number;
  final: number;
  notFinal: number;
  extractions: number;
  duplicateExtractions: number;
  deadLetters: number;
}

/** The final count: every accepted note in a final state, one extraction per note, dead letters counted. */
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

export async function awaitAllFinal(pipeline: Pipeline, noteIds: string[], timeoutMs: number): Promise<Reconciliation> {
  return waitFor(
    async () => {
      const r = await reconcile(pipeline, noteIds);
      return r.notFinal === 0 ? r : null;
    },
    timeoutMs,
    'every accepted note to reach a final state',
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function report(scenario: string, r: Reconciliation, seconds: number): void {
  process.stdout.write(
    `[faults] ${scenario}: accepted=${r.accepted} final=${r.final} notFinal=${r.notFinal} extractions=${r.extractions} ` +
      `duplicates=${r.duplicateExtractions} deadLetters=${r.deadLetters} in ${seconds.toFixed(1)} s\n`,
  );
}
