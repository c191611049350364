import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answerFiles, type AnswerFiles } from '../support/openai-answer-files.js';
import { OpenAiTestServer, type ChatRequestBody } from '../support/openai-test-server.js';
import { REPO_ROOT } from '../support/test-database.js';
import { correctOutput, engineFor, NOTE, usageSink } from './support.js';

/**
 * Hold mode: the test server keeps each request open until an answer file is written, so an agent can act as the
 * model. Here the test plays the agent: it waits for the request files, reads the prompt, and writes the answer.
 */
describe('OpenAI test server in hold mode (answer files)', () => {
  let dir: string;
  let server: OpenAiTestServer;
  let hold: AnswerFiles;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'clinex-hold-'));
    server = await OpenAiTestServer.start({ apiKey: 'sk-test-key' });
    hold = answerFiles({ dir, pollMs: 20, settleMs: 200 });
    server.onRequest(hold.script);
  });
  afterAll(async () => {
    hold.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Waits for the next request file the server writes, and returns its id. */
  async function nextRequest(seen: Set<string>): Promise<string> {
    for (let i = 0; i < 500; i++) {
      const ids = (await readdir(dir)).filter((f) => f.endsWith('.prompt.txt')).map((f) => f.slice(0, -11));
      const fresh = ids.find((id) => !seen.has(id));
      if (fresh) {
        seen.add(fresh);
        return fresh;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no request file appeared');
  }

  async function writeAnswer(id: string, content: string): Promise<void> {
    const file = path.join(dir, `${id}.answer.json`);
    await writeFile(`${file}.tmp`, content);
    await rename(`${file}.tmp`, file);
  }

  const extract = () =>
    engineFor(server.url, { LLM_TIMEOUT_MS: '20000' }).extract({
      noteId: randomUUID(),
      tenantId: randomUUID(),
      text: NOTE,
      requestId: randomUUID(),
      reportUsage: usageSink().reportUsage,
    });

  it('holds the request until its answer file is written, then answers over the real protocol', async () => {
    const seen = new Set<string>();
    const pending = extract();
    const id = await nextRequest(seen);
    expect(id).toMatch(/^\d{4}-[0-9a-f]{8}$/);
    const prompt = await readFile(path.join(dir, `${id}.prompt.txt`), 'utf8');
    expect(prompt).toContain('=== system ===\nYou extract structured data from clinical notes');
    expect(prompt).toContain(`BEGIN NOTE`);
    expect(prompt).toContain(NOTE);
    const body = JSON.parse(await readFile(path.join(dir, `${id}.request.json`), 'utf8')) as ChatRequestBody;
    expect(body).toMatchObject({ model: 'gpt-4o-2024-08-06', response_format: { type: 'json_schema' } });
    expect(hold.waiting.has(id)).toBe(true);

    // Still held: nothing is answered before the file exists.
    await new Promise((r) => setTimeout(r, 300));
    expect(hold.waiting.has(id)).toBe(true);

    await writeAnswer(id, JSON.stringify(correctOutput()));
    const result = await pending;
    expect(result.extraction?.medications.map((m) => m.name.span?.text)).toEqual(['Metformin', 'Lisinopril']);
    expect(hold.waiting.size).toBe(0);
  });

  it('holds the repair prompt too, so the agent sees its bad answer and the complaint', async () => {
    const seen = new Set((await readdir(dir)).filter((f) => f.endsWith('.prompt.txt')).map((f) => f.slice(0, -11)));
    const pending = extract();
    const first = await nextRequest(seen);
    await writeAnswer(first, '{"patient": ');
    const repair = await nextRequest(seen);
    expect(repair).not.toBe(first);
    const prompt = await readFile(path.join(dir, `${repair}.prompt.txt`), 'utf8');
    expect(prompt).toMatch(/=== assistant ===\n\{"patient": \n\n=== user ===\nYour answer could not be used/);
    await writeAnswer(repair, JSON.stringify(correctOutput()));
    expect((await pending).extraction?.medications).toHaveLength(2);
  });

  it('never sends an answer left in the folder by an earlier run for a new request', async () => {
    const before = (await readdir(dir)).filter((f) => f.endsWith('.answer.json'));
    expect(before.length).toBeGreaterThan(0);
    const again = await OpenAiTestServer.start({ apiKey: 'sk-test-key' });
    const rerun = answerFiles({ dir, pollMs: 20 });
    again.onRequest(rerun.script);
    try {
      const pending = engineFor(again.url, { LLM_TIMEOUT_MS: '20000' }).extract({
        noteId: randomUUID(),
        tenantId: randomUUID(),
        text: NOTE,
      });
      const seen = new Set(before.map((f) => f.slice(0, -12)));
      const id = await nextRequest(seen);
      const numbers = before.map((f) => Number(f.slice(0, 4)));
      expect(Number(id.slice(0, 4))).toBeGreaterThan(Math.max(...numbers));
      expect(rerun.waiting.has(id)).toBe(true);
      await writeAnswer(id, JSON.stringify(correctOutput()));
      expect((await pending).extraction).not.toBeNull();
    } finally {
      rerun.stop();
      await again.close();
    }
  });

  it('runs as a process that prints its URL and each waiting request', async () => {
    const processDir = await mkdtemp(path.join(tmpdir(), 'clinex-hold-proc-'));
    let child: ChildProcessWithoutNullStreams | undefined;
    try {
      // Its own process group, so the whole tree (npx, tsx, node) is stopped at the end.
      child = spawn(
        'npx',
        ['tsx', 'test/support/openai-hold-server.ts', '--dir', processDir, '--api-key', 'sk-test-key'],
        {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
          detached: true,
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const url = await waitFor(() => /listening (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stdout)?.[1]);
      const pending = engineFor(url, { LLM_TIMEOUT_MS: '20000' }).extract({
        noteId: randomUUID(),
        tenantId: randomUUID(),
        text: NOTE,
      });
      const id = await waitFor(() => /waiting (\S+)/.exec(stdout)?.[1]);
      const file = path.join(processDir, `${id}.answer.json`);
      await writeFile(`${file}.tmp`, JSON.stringify(correctOutput()));
      await rename(`${file}.tmp`, file);
      expect((await pending).extraction?.labs).toHaveLength(1);
    } finally {
      if (child?.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
      await rm(processDir, { recursive: true, force: true });
    }
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
