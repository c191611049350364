// Developer entry point: `npx tsx tools/kafka/cli.ts fetch|start|stop|status` (also `npm run kafka -- <cmd>`).
// `start` leaves a broker running in the background on KAFKA_PORT (default 9092) with its data in
// .cache/kafka/dev-data, so it survives restarts of the services that use it.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  KAFKA_CACHE_DIR,
  ensureKafkaJars,
  isKafkaBrokerPid,
  startDetachedKafkaBroker,
  stopBrokerByPid,
} from './kafka-broker.js';

const PID_FILE = join(KAFKA_CACHE_DIR, 'dev-broker.pid');
const DATA_DIR = join(KAFKA_CACHE_DIR, 'dev-data');
const LOG_FILE = join(KAFKA_CACHE_DIR, 'dev-broker.log');

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
  return port;
}

async function readPid(): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(PID_FILE, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The brokers string of the dev broker, from the server.properties it was started with. */
async function devBrokers(): Promise<string | undefined> {
  try {
    const props = await readFile(join(DATA_DIR, 'server.properties'), 'utf8');
    return /^advertised\.listeners=PLAINTEXT:\/\/(.+)$/m.exec(props)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

async function runningPid(): Promise<number | undefined> {
  const pid = await readPid();
  return pid !== undefined && isKafkaBrokerPid(pid) ? pid : undefined;
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'fetch':
      console.log(await ensureKafkaJars());
      return 0;

    case 'start': {
      const existing = await runningPid();
      if (existing !== undefined) {
        console.error(`Kafka dev broker already running (pid ${existing})`);
        console.log((await devBrokers()) ?? '');
        return 0;
      }
      const port = portFromEnv('KAFKA_PORT', 9092);
      // The controller port only has to be stable across restarts of the same data dir; port+1 mirrors
      // Kafka's usual 9092/9093 pair.
      const controllerPort = portFromEnv('KAFKA_CONTROLLER_PORT', port + 1);
      await mkdir(KAFKA_CACHE_DIR, { recursive: true });
      const broker = await startDetachedKafkaBroker({
        port,
        controllerPort,
        dataDir: DATA_DIR,
        logFile: LOG_FILE,
      });
      await writeFile(PID_FILE, `${broker.pid}\n`);
      console.error(`Kafka dev broker started (pid ${broker.pid}, log ${LOG_FILE})`);
      console.log(broker.brokers);
      return 0;
    }

    case 'stop': {
      const pid = await readPid();
      const result = pid === undefined ? 'not-running' : await stopBrokerByPid(pid);
      await rm(PID_FILE, { force: true });
      console.log(
        result === 'not-running' ? 'Kafka dev broker is not running' : `Kafka dev broker ${result} (pid ${pid})`,
      );
      return 0;
    }

    case 'status': {
      const pid = await runningPid();
      if (pid === undefined) {
        console.log('Kafka dev broker is not running');
        return 3; // LSB status code for "not running", so scripts can test it.
      }
      console.log(`Kafka dev broker is running (pid ${pid}) at ${(await devBrokers()) ?? 'unknown address'}`);
      return 0;
    }

    default:
      console.error('usage: tsx tools/kafka/cli.ts fetch|start|stop|status');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
