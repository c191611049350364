// Manages a real single-node Apache Kafka broker (KRaft, combined broker+controller) for Jest global
// setup and local development. Kafka has no npm or Debian package, so the broker runs from its Maven
// Central jars on the local JDK; tools/kafka/pom.xml pins the version (see /work/shared/STACK.md "Kafka").
import { homedir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface KafkaBrokerOptions {
  /** Client (PLAINTEXT) port; 0 or undefined picks a free loopback port. */
  port?: number;
  /** KRaft controller port; 0 or undefined picks a free loopback port. */
  controllerPort?: number;
  /** Broker state directory; default: a fresh temp dir under <repo>/.cache/kafka/runs/. Reusing one keeps topics and the cluster id. */
  dataDir?: string;
  /** JVM max heap in MiB; default 512. */
  heapMb?: number;
  /** Receives the manager's progress lines and the broker's own WARN+ output; default writes to stderr. */
  log?: (line: string) => void;
  /** How long to wait, once the JVM is spawned, for the broker to report it started; default 90000. */
  readyTimeoutMs?: number;
}

export interface RunningKafkaBroker {
  /** Bootstrap servers string, "127.0.0.1:PORT". */
  brokers: string;
  pid: number;
  dataDir: string;
  /** SIGTERM, wait for exit, SIGKILL after 20 s. Resolves at once if the process already exited, so
   *  `kill('SIGKILL'); await stop()` is the way to wait for a killed broker before restarting it. */
  stop(): Promise<void>;
  /** Sends a signal for fault injection (SIGKILL, SIGSTOP, SIGCONT...); a no-op once the process is gone. */
  kill(signal: NodeJS.Signals): void;
}

/** What `startDetachedKafkaBroker` leaves behind: a broker that outlives this Node process. */
export interface DetachedKafkaBroker {
  brokers: string;
  pid: number;
  dataDir: string;
  logFile: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POM_PATH = join(REPO_ROOT, 'tools', 'kafka', 'pom.xml');
/** Broker state of this checkout (dev broker, test runs): git-ignored. */
export const KAFKA_CACHE_DIR = join(REPO_ROOT, '.cache', 'kafka');
/**
 * The jars are cached per machine, not per checkout, so a fresh clone (as CI makes for every run) on a machine that
 * fetched them once needs no network: ~/.cache/clinex/kafka/<version>/libs, or CLINEX_KAFKA_JAR_CACHE.
 */
export const KAFKA_JAR_CACHE_DIR = process.env.CLINEX_KAFKA_JAR_CACHE ?? join(homedir(), '.cache', 'clinex', 'kafka');
const RUNS_DIR = join(KAFKA_CACHE_DIR, 'runs');
const MARKER_FILE = 'complete.json';
const PID_FILE = 'broker.pid';
const STOP_GRACE_MS = 20_000;
// The broker logs at WARN, but this one INFO line from KafkaRaftServer is the documented readiness signal.
const STARTED_PATTERN = /Kafka Server started/;
// WARN lines Kafka 3.9 prints on every healthy start or stop; forwarding them would only teach people to
// ignore the broker's output. They still land in the log tail reported on failure.
const ROUTINE_WARNINGS = [
  /Performing controller activation/,
  /Attempting to close NetworkClient that has already been closed/,
];
const LOG_TAIL_LINES = 80;
// Run dirs from earlier test runs are pruned once nothing runs in them and they are this old,
// so a crashed Jest run cannot fill the disk, while a dir a test may still restart from is kept.
const STALE_RUN_MS = 6 * 60 * 60 * 1000;

const defaultLog = (line: string): void => {
  process.stderr.write(`[kafka] ${line}\n`);
};

/** The Kafka version, read from pom.xml so that it is pinned in exactly one place. */
export async function kafkaVersion(): Promise<string> {
  const pom = await readFile(POM_PATH, 'utf8');
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error(`No <kafka.version> in ${POM_PATH}`);
  return match[1];
}

interface JarMarker {
  version: string;
  jars: string[];
  fetchedAt: string;
}

async function readMarker(file: string): Promise<JarMarker | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { version, jars, fetchedAt } = parsed as Record<string, unknown>;
    if (typeof version !== 'string' || !Array.isArray(jars) || typeof fetchedAt !== 'string') return undefined;
    return {
      version,
      jars: jars.filter((j): j is string => typeof j === 'string'),
      fetchedAt,
    };
  } catch {
    return undefined;
  }
}

/**
 * Returns `<jar cache>/<version>/libs` (see KAFKA_JAR_CACHE_DIR), fetching the broker's runtime jars with Maven first
 * unless a marker written after a previous complete fetch says they are there (then no Maven, no network).
 */
export async function ensureKafkaJars(log: (line: string) => void = defaultLog): Promise<string> {
  const version = await kafkaVersion();
  const versionDir = join(KAFKA_JAR_CACHE_DIR, version);
  const libsDir = join(versionDir, 'libs');
  const markerPath = join(versionDir, MARKER_FILE);

  const marker = await readMarker(markerPath);
  if (marker?.version === version && (await isDirectory(libsDir))) {
    log(`using cached Kafka ${version} jars (${marker.jars.length} jars) in ${libsDir}`);
    return libsDir;
  }

  await mkdir(versionDir, { recursive: true });
  // Maven writes into a private temp dir on the same filesystem, so `libs` only ever appears complete
  // (rename is atomic) and two concurrent fetches (Jest + a developer's CLI) cannot interleave files.
  const tmpDir = join(versionDir, `libs.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  log(`fetching Kafka ${version} jars with Maven...`);
  try {
    await runCommand('mvn', [
      '-q',
      '-B',
      '-f',
      POM_PATH,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmpDir}`,
    ]);
    const jars = (await readdir(tmpDir)).filter((f) => f.endsWith('.jar')).sort();
    if (!jars.some((j) => j.startsWith(`kafka_2.13-${version}`))) {
      throw new Error(`Maven finished but ${tmpDir} has no kafka_2.13-${version} jar`);
    }

    // A `libs` without a marker is the leftover of an interrupted earlier attempt: replace it.
    if (!(await readMarker(markerPath))) await rm(libsDir, { recursive: true, force: true });
    try {
      await rename(tmpDir, libsDir);
    } catch (err) {
      // Another process completed the same fetch first; its copy is as good as ours. It may have renamed
      // its dir but not yet written the marker, hence the short wait.
      let winner = await readMarker(markerPath);
      for (let i = 0; !winner && i < 50; i++) {
        await sleep(100);
        winner = await readMarker(markerPath);
      }
      if (!winner) throw err;
      log(`another process fetched Kafka ${version} jars concurrently; using its copy`);
      return libsDir;
    }
    const newMarker: JarMarker = {
      version,
      jars,
      fetchedAt: new Date().toISOString(),
    };
    await writeFile(markerPath, `${JSON.stringify(newMarker, null, 2)}\n`);
    log(`downloaded Kafka ${version} jars (${jars.length} jars) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return libsDir;
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** Starts a broker that belongs to this process (killed with it on exit); see RunningKafkaBroker. */
export async function startKafkaBroker(opts: KafkaBrokerOptions = {}): Promise<RunningKafkaBroker> {
  const log = opts.log ?? defaultLog;
  const startedAt = Date.now();
  const prepared = await prepareBroker(opts, log);
  const tail: string[] = [];
  let startedLineSeen = false;

  const child = spawn(prepared.javaCommand, prepared.javaArgs, {
    cwd: prepared.dataDir,
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  recordPid(prepared.dataDir, child);
  const exited = watchExit(child);
  // If the owning process exits without stopping the broker (a test run that throws, Jest's process.exit),
  // take the broker with it instead of leaving a JVM holding the ports and the data dir lock. Ctrl-C needs
  // no hook: the JVM shares the terminal's process group and gets the SIGINT itself.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      pushTail(tail, line);
      if (STARTED_PATTERN.test(line)) startedLineSeen = true;
      else if (!ROUTINE_WARNINGS.some((re) => re.test(line))) log(line);
    });
    // Reading the broker's output must not by itself keep Node alive; stop() and the readiness wait hold
    // their own timers, and the exit hook above cleans up if nothing else is left to do.
    if (stream instanceof Socket) stream.unref();
  }
  child.unref();

  const pid = await waitForReady({
    child,
    exited,
    port: prepared.port,
    timeoutMs: opts.readyTimeoutMs ?? 90_000,
    startedLineSeen: () => startedLineSeen,
    tail: () => tail,
  }).catch((err: unknown) => {
    process.off('exit', killOnExit);
    throw err;
  });
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  log(`broker pid ${pid} ready at ${prepared.brokers} in ${seconds} s (data ${prepared.dataDir})`);

  let stopping: Promise<void> | undefined;
  return {
    brokers: prepared.brokers,
    pid,
    dataDir: prepared.dataDir,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop() {
      stopping ??= (async () => {
        await terminate(child, exited);
        process.off('exit', killOnExit);
        await rm(join(prepared.dataDir, PID_FILE), { force: true });
      })();
      return stopping;
    },
  };
}

/**
 * Starts a broker in its own session that outlives this process (used by `cli.ts start`); its stdout and
 * stderr go to `logFile`, and it is stopped by pid (see `stopBrokerByPid`).
 */
export async function startDetachedKafkaBroker(
  opts: KafkaBrokerOptions & { logFile: string },
): Promise<DetachedKafkaBroker> {
  const log = opts.log ?? defaultLog;
  const prepared = await prepareBroker(opts, log);
  // A file rather than a pipe: nobody will be reading a pipe once this process has exited.
  const fd = openSync(opts.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(prepared.javaCommand, prepared.javaArgs, {
      cwd: prepared.dataDir,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  recordPid(prepared.dataDir, child);
  const exited = watchExit(child);
  child.unref();
  const readLog = (): string[] => {
    try {
      return readFileSync(opts.logFile, 'utf8').split('\n');
    } catch {
      return [];
    }
  };
  const pid = await waitForReady({
    child,
    exited,
    port: prepared.port,
    timeoutMs: opts.readyTimeoutMs ?? 90_000,
    startedLineSeen: () => readLog().some((l) => STARTED_PATTERN.test(l)),
    tail: () => readLog().slice(-LOG_TAIL_LINES),
  });
  return {
    brokers: prepared.brokers,
    pid,
    dataDir: prepared.dataDir,
    logFile: opts.logFile,
  };
}

/** True if `pid` is alive and is a Kafka broker JVM (so a recycled pid is never signalled by mistake). */
export function isKafkaBrokerPid(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
  } catch {
    // No procfs (macOS): alive is the best evidence available.
    return true;
  }
}

/** Stops a broker this process did not start (the detached dev broker): SIGTERM, SIGKILL after 20 s. */
export async function stopBrokerByPid(pid: number): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isKafkaBrokerPid(pid)) return 'not-running';
  signal(pid, 'SIGCONT'); // A broker paused by fault injection cannot act on SIGTERM.
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

interface PreparedBroker {
  dataDir: string;
  port: number;
  brokers: string;
  javaCommand: string;
  javaArgs: string[];
}

/** Everything before the broker JVM starts: jars, ports, config files and a formatted storage dir. */
async function prepareBroker(opts: KafkaBrokerOptions, log: (line: string) => void): Promise<PreparedBroker> {
  const libsDir = await ensureKafkaJars(log);
  const [port, controllerPort] = (await pickPorts([opts.port ?? 0, opts.controllerPort ?? 0])) as [number, number];
  if (port === controllerPort) throw new Error(`port and controllerPort must differ (both ${port})`);

  let dataDir = opts.dataDir;
  if (dataDir === undefined) {
    await mkdir(RUNS_DIR, { recursive: true });
    await pruneStaleRuns(log);
    dataDir = await mkdtemp(join(RUNS_DIR, 'run-'));
  } else {
    await mkdir(dataDir, { recursive: true });
    // A second broker on a live dir gets as far as starting its controller, which writes to the shared
    // metadata log, before the log-dir lock stops it; refuse before touching anything in the dir.
    const owner = await readPidFile(join(dataDir, PID_FILE));
    if (owner !== undefined && isKafkaBrokerPid(owner)) {
      throw new Error(`${dataDir} is in use by running Kafka broker pid ${owner}`);
    }
  }
  const kraftDir = join(dataDir, 'kraft');
  const propsFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j.properties');

  await writeFile(propsFile, serverProperties({ port, controllerPort, kraftDir }));
  await writeFile(log4jFile, LOG4J_PROPERTIES);

  const javaCommand = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : 'java';
  const classpath = join(libsDir, '*');
  const log4jArg = `-Dlog4j.configuration=file:${log4jFile}`;
  const heapMb = opts.heapMb ?? 512;

  // A reused dir must keep the cluster id it was formatted with: in 3.9 `format --ignore-formatted` with a
  // different id fails ("Invalid cluster.id") instead of ignoring the dir. A dir that is already fully
  // formatted skips the tool altogether, which is what --ignore-formatted would conclude anyway, and saves a
  // JVM start (~1.3 s) on every fault-injection restart.
  const existingClusterId = await readClusterId(kraftDir);
  if (existingClusterId === undefined || !(await isFile(join(kraftDir, 'bootstrap.checkpoint')))) {
    const clusterId = existingClusterId ?? (await runStorageTool(javaCommand, classpath, log4jArg, ['random-uuid']));
    await runStorageTool(javaCommand, classpath, log4jArg, [
      'format',
      '-t',
      clusterId,
      '-c',
      propsFile,
      '--ignore-formatted',
    ]);
  }

  return {
    dataDir,
    port,
    brokers: `127.0.0.1:${port}`,
    javaCommand,
    javaArgs: [
      `-Xmx${heapMb}m`,
      `-Xms${Math.min(heapMb, 128)}m`,
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      log4jArg,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
  };
}

function serverProperties(p: { port: number; controllerPort: number; kraftDir: string }): string {
  return [
    '# Written by tools/kafka/kafka-broker.ts on every start; edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${p.kraftDir}`,
    // One broker: every internal topic must be creatable with replication factor 1.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    // Tests join consumer groups constantly; the default 3 s delay would be paid on every join.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created explicitly with the admin client, as production does; a typo must fail, not create.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'delete.topic.enable=true',
    'log.retention.hours=24',
    // After a SIGKILL the restarted node's own controller still holds the dead incarnation's registration
    // and refuses the new one (DUPLICATE_BROKER_REGISTRATION) until that session expires: with the default
    // 9 s timeout a restart took ~19 s instead of ~8 s. Heartbeats stay 6x more frequent than the timeout so
    // a GC pause on a busy CI machine does not fence the only broker.
    'broker.session.timeout.ms=3000',
    'broker.heartbeat.interval.ms=500',
    // The log cleaner (needed for compacted __consumer_offsets) reserves 128 MiB by default; too much of a 512 MiB heap.
    'log.cleaner.dedupe.buffer.size=16777216',
    '',
  ].join('\n');
}

// WARN and above to stdout keeps test output quiet; KafkaRaftServer stays at INFO only so that its
// "Kafka Server started" line, the readiness signal, is printed.
const LOG4J_PROPERTIES = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.server.KafkaRaftServer=INFO',
  '',
].join('\n');

async function readClusterId(kraftDir: string): Promise<string | undefined> {
  try {
    const meta = await readFile(join(kraftDir, 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** Runs `kafka.tools.StorageTool` with the given arguments and returns its trimmed stdout. */
async function runStorageTool(java: string, classpath: string, log4jArg: string, args: string[]): Promise<string> {
  const out = await runCommand(java, ['-Xmx256m', log4jArg, '-cp', classpath, 'kafka.tools.StorageTool', ...args]);
  return out.trim();
}

function runCommand(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('close', (code, sig) => {
      if (code === 0) resolve(stdout);
      else {
        const output = `${stdout}${stderr}`.trim().split('\n').slice(-40).join('\n');
        reject(new Error(`${command} ${args.join(' ')} failed (${sig ?? `exit ${code}`}):\n${output}`));
      }
    });
  });
}

/** Binds every requested 0 to a free loopback port, holding all the sockets at once so they are distinct. */
async function pickPorts(requested: number[]): Promise<number[]> {
  const servers = await Promise.all(
    requested.map(
      (p) =>
        new Promise<ReturnType<typeof createServer> | undefined>((resolve, reject) => {
          if (p !== 0) return resolve(undefined);
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = requested.map((p, i) => (p !== 0 ? p : (servers[i]?.address() as AddressInfo).port));
  await Promise.all(servers.map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve())));
  return ports;
}

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

function watchExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A spawn failure (no java on PATH) emits 'error' and never 'exit'.
    child.once('error', () => resolve({ code: null, signal: null }));
  });
}

interface ReadyWait {
  child: ChildProcess;
  exited: Promise<ExitInfo>;
  port: number;
  timeoutMs: number;
  startedLineSeen: () => boolean;
  tail: () => string[];
}

/** Resolves with the pid once the broker logged its started line and accepts TCP; otherwise kills it and rejects. */
async function waitForReady(w: ReadyWait): Promise<number> {
  let exit: ExitInfo | undefined;
  void w.exited.then((e) => (exit = e));
  let spawnError: Error | undefined;
  w.child.once('error', (err) => (spawnError = err));
  const deadline = Date.now() + w.timeoutMs;

  const fail = async (reason: string): Promise<never> => {
    if (!exit) {
      // The child was unref'd; without ref() nothing would keep Node alive until its 'exit' event.
      w.child.ref();
      w.child.kill('SIGKILL');
      await w.exited;
    }
    const tail = w.tail().slice(-LOG_TAIL_LINES).join('\n');
    throw new Error(`Kafka broker ${reason}${tail ? `; last log lines:\n${tail}` : ' (no log output)'}`);
  };

  for (;;) {
    if (spawnError) return fail(`could not be spawned: ${spawnError.message}`);
    if (exit) return fail(`exited during startup (${exit.signal ?? `exit code ${exit.code}`})`);
    if (w.startedLineSeen() && (await canConnect(w.port))) {
      if (w.child.pid === undefined) return fail('has no pid');
      return w.child.pid;
    }
    if (Date.now() > deadline) return fail(`did not start within ${w.timeoutMs} ms`);
    await sleep(100);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

async function terminate(child: ChildProcess, exited: Promise<ExitInfo>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.ref(); // Keep Node alive until the 'exit' event of the (unref'd) broker arrives.
  child.kill('SIGCONT'); // A broker paused by fault injection (SIGSTOP) cannot act on SIGTERM.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

async function pruneStaleRuns(log: (line: string) => void): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(RUNS_DIR)) {
    const dir = join(RUNS_DIR, name);
    try {
      if (now - (await stat(dir)).mtimeMs < STALE_RUN_MS) continue;
      const pid = await readPidFile(join(dir, PID_FILE));
      if (pid !== undefined && isKafkaBrokerPid(pid)) continue;
      await rm(dir, { recursive: true, force: true });
      log(`removed stale run dir ${dir}`);
    } catch {
      // Another process may be pruning the same dir; pruning is best effort.
    }
  }
}

/** Written as soon as the JVM exists, so a concurrent start on the same dir sees it during startup too. */
function recordPid(dataDir: string, child: ChildProcess): void {
  if (child.pid !== undefined) writeFileSync(join(dataDir, PID_FILE), `${child.pid}\n`);
}

async function readPidFile(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function pushTail(tail: string[], line: string): void {
  tail.push(line);
  if (tail.length > LOG_TAIL_LINES * 2) tail.splice(0, tail.length - LOG_TAIL_LINES);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
