import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../support/service-process.js';
import { REPO_ROOT } from '../support/test-database.js';
import { embeddedBinariesDir } from '../../tools/local/embedded-database.js';
import { freePort } from '../support/free-port.js';

/**
 * `npm start`'s one-process local mode, as a new user runs it: embedded PostgreSQL, the in-process bus, demo tenant.
 * (CI runs this suite on a clean clone, after `npm ci`.)
 */
interface LocalRun {
  output: () => string;
  exited: Promise<number | null>;
  signal: (s: NodeJS.Signals) => void;
  apiUrl: string;
  submitterKey: string;
}

async function startLocal(env: NodeJS.ProcessEnv): Promise<LocalRun> {
  const { PATH, HOME } = process.env;
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/tools/local/start-local.js')], {
    cwd: REPO_ROOT,
    env: { PATH, HOME, PORT: '0', EXTRACTOR_PORT: '0', VALIDATOR_PORT: '0', ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(
    async () =>
      output.includes('Press Ctrl-C to stop.')
        ? true
        : child.exitCode !== null
          ? Promise.reject(new Error(output))
          : null,
    90_000,
    'the local mode to print its banner',
  );
  const apiUrl = /API\s+(http:\/\/\S+)\/v1\/notes/.exec(output)?.[1];
  const submitterKey = /submitter\s+(cx_\S+)/.exec(output)?.[1];
  if (!apiUrl || !submitterKey) throw new Error(`banner lacks the API URL or the submitter key:\n${output}`);
  return { output: () => output, exited, signal: (s) => child.kill(s), apiUrl, submitterKey };
}

async function submitAndAwaitValidation(run: LocalRun, externalId: string, text: string) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${run.submitterKey}` };
  const response = await fetch(`${run.apiUrl}/v1/notes`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ externalId, text }),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  return waitFor(
    async () => {
      const note = (await (await fetch(`${run.apiUrl}/v1/notes/${id}`, { headers })).json()) as {
        status: string;
        extraction: { status: string; data: { noteId: string } } | null;
      };
      return note.extraction ? note : null;
    },
    30_000,
    'the note to be validated',
  );
}

describe('one-command local mode (npm start)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('runs on embedded PostgreSQL and the in-process bus, stops on SIGINT with 0, and reuses its data on restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'clinex-local-'));
    dirs.push(dataDir);
    await chmod(dataDir, 0o755); // the embedded server runs as the postgres user when started by root
    const env = { LOCAL_DATA_DIR: dataDir, LOCAL_POSTGRES_PORT: String(await freePort()) };

    const first = await startLocal(env);
    expect(first.output()).toContain('embedded PostgreSQL');
    expect(first.output()).toContain('in-process bus');
    expect(first.output()).toMatch(/5 demo note\(s\) submitted/);
    for (const page of ['/review', '/finance', '/docs']) expect(first.output()).toContain(`${first.apiUrl}${page}`);
    const note = await submitAndAwaitValidation(first, 'local-1', 'Started amoxicillin 500 mg PO three times daily.');
    expect(['validated', 'needs_review']).toContain(note.status);
    expect(note.extraction!.data.noteId).toBeDefined();
    first.signal('SIGINT');
    expect(await first.exited).toBe(0);

    const second = await startLocal(env);
    expect(second.submitterKey).toBe(first.submitterKey);
    expect(second.output()).toMatch(/0 migration\(s\) applied now/);
    const again = await submitAndAwaitValidation(second, 'local-1', 'Started amoxicillin 500 mg PO three times daily.');
    expect(again.extraction!.data.noteId).toBe(note.extraction!.data.noteId);
    second.signal('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('starts from a fresh copy of the PostgreSQL binaries package whose files lack execute bits', async () => {
    // The package as some installs unpack it: same files, no execute bits. The original folder is set aside and put
    // back afterwards, so the rest of the suite runs on the install as it was.
    const packageDir = path.dirname(path.dirname(embeddedBinariesDir()));
    const aside = `${packageDir}.aside-${process.pid}`;
    await rename(packageDir, aside);
    try {
      await cp(aside, packageDir, { recursive: true, verbatimSymlinks: true });
      const binDir = embeddedBinariesDir();
      for (const name of await readdir(binDir)) await chmod(path.join(binDir, name), 0o644);
      const dataDir = await mkdtemp(path.join(tmpdir(), 'clinex-local-'));
      dirs.push(dataDir);
      await chmod(dataDir, 0o755);
      const run = await startLocal({ LOCAL_DATA_DIR: dataDir, LOCAL_POSTGRES_PORT: String(await freePort()) });
      const note = await submitAndAwaitValidation(run, 'local-fresh-bits', 'Metformin 500 mg PO twice daily.');
      expect(['validated', 'needs_review']).toContain(note.status);
      run.signal('SIGINT');
      expect(await run.exited).toBe(0);
      expect((await stat(path.join(binDir, 'initdb'))).mode & 0o111).toBe(0o111);
    } finally {
      await rm(packageDir, { recursive: true, force: true });
      await rename(aside, packageDir);
    }
  });

  it('names the taken port and the variable that changes it when the database port is in use', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'clinex-local-'));
      dirs.push(dataDir);
      const { PATH, HOME } = process.env;
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/tools/local/start-local.js')], {
        cwd: REPO_ROOT,
        env: { PATH, HOME, LOCAL_DATA_DIR: dataDir, LOCAL_POSTGRES_PORT: String(port) },
      });
      let output = '';
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(output).toContain(`port ${port}`);
      expect(output).toContain('LOCAL_POSTGRES_PORT');
      expect(output).not.toContain('undefined');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('switches to the real PostgreSQL and Kafka when DATABASE_URL and KAFKA_BROKERS are set', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'clinex-local-'));
    dirs.push(dataDir);
    const run = await startLocal({
      LOCAL_DATA_DIR: dataDir,
      DATABASE_URL: process.env.DATABASE_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    });
    expect(run.output()).toContain('Kafka at');
    expect(run.output()).not.toContain('embedded PostgreSQL');
    const note = await submitAndAwaitValidation(run, `local-kafka-${Date.now()}`, 'Lisinopril 10 mg PO daily.');
    expect(note.extraction).not.toBeNull();
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
