import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/test-database.js';
import { llmEngineForCli } from '../../apps/extractor/src/engines/llm/llm-engine.cli.js';
import { ConfigError } from '../../libs/platform/src/index.js';
import { answer, apiError, OpenAiTestServer } from '../support/openai-test-server.js';
import { correctOutput, NOTE } from './support.js';

/** What `clinex extract --engine llm` builds: the engine from LLM_* variables alone, with a usage tally. */
describe('LLM engine for the CLI', () => {
  let server: OpenAiTestServer;
  beforeAll(async () => {
    server = await OpenAiTestServer.start({ apiKey: 'sk-cli' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('works against whatever endpoint the variables name, and tallies the calls', async () => {
    server.onRequest(() => answer(correctOutput(), { usage: { prompt: 1000, completion: 150, cached: 600 } }));
    const cli = llmEngineForCli({
      LLM_BASE_URL: server.url,
      LLM_API_KEY: 'sk-cli',
      LLM_MODEL: 'llama-3.1-8b-instruct',
      LLM_PROMPT_VARIANT: 'zero-shot',
    });
    const result = await cli.engine.extract({
      noteId: 'n1',
      tenantId: 'cli',
      text: NOTE,
      reportUsage: cli.reportUsage,
    });
    expect(result.extraction?.medications).toHaveLength(2);
    expect(result.extraction?.engine).toMatchObject({ model: 'llama-3.1-8b-instruct', promptVariant: 'zero-shot' });
    expect(server.requests[0]!.body.messages).toHaveLength(2);
    expect(cli.summary()).toBe(
      'LLM llama-3.1-8b-instruct: 1 call(s), 1000 input tokens (600 cached), 150 output tokens',
    );
  });

  it('reports LLM latency per note, per call and per attempt', async () => {
    server.reset();
    server.enqueue(
      apiError(500, { delayMs: 200 }),
      answer(correctOutput(), { delayMs: 400 }),
      answer(correctOutput(), { delayMs: 1200 }),
    );
    const cli = llmEngineForCli({
      LLM_BASE_URL: server.url,
      LLM_API_KEY: 'sk-cli',
      LLM_MODEL: 'llama-3.1-8b-instruct',
      LLM_RETRY_BASE_MS: '50',
    });
    expect(cli.latencySummary()).toBe(
      'LLM latency: per note none (0 notes); per call none (0 calls); per attempt none (0 attempts)',
    );
    for (const noteId of ['n1', 'n2']) {
      const result = await cli.engine.extract({ noteId, tenantId: 'cli', text: NOTE, reportUsage: cli.reportUsage });
      expect(result.extraction).not.toBeNull();
    }
    const line = cli.latencySummary();
    expect(line).toMatch(
      /^LLM latency: per note mean [\d.]+ (ms|s), median [\d.]+ (ms|s), max 1\.\d s \(2 notes\); per call .* \(2 calls\); per attempt .* \(3 attempts\)$/,
    );
    // Per note: the first note's two attempts (with the backoff between them), then the slow second note.
    const seconds = [...line.matchAll(/max ([\d.]+) (ms|s)/g)].map(([, n, u]) =>
      u === 's' ? Number(n) : Number(n) / 1000,
    );
    expect(seconds[0]).toBeGreaterThanOrEqual(1.2);
    expect(seconds[2]).toBeGreaterThanOrEqual(1.2);
    expect(line).toMatch(/per attempt mean [\d.]+ (ms|s)/);
  });

  it('refuses to start without an endpoint, naming the variables', () => {
    expect(() => llmEngineForCli({ LLM_MODEL: 'x' })).toThrow(ConfigError);
    expect(() => llmEngineForCli({ LLM_MODEL: 'x' })).toThrow(/LLM_BASE_URL/);
    expect(() => llmEngineForCli({ LLM_BASE_URL: 'not a url', LLM_MODEL: 'x' })).toThrow(/LLM_BASE_URL/);
    expect(() => llmEngineForCli({ LLM_BASE_URL: server.url, LLM_MODEL: 'x', LLM_PROMPT_VARIANT: 'ten-shot' })).toThrow(
      /LLM_PROMPT_VARIANT/,
    );
  });

  it('runs as `npx clinex extract --engine llm` against the endpoint in LLM_* variables', async () => {
    server.onRequest(() => answer(correctOutput(), { usage: { prompt: 900, completion: 120, cached: 0 } }));
    const dir = await mkdtemp(path.join(tmpdir(), 'clinex-llm-cli-'));
    try {
      const input = path.join(dir, 'notes.jsonl');
      const output = path.join(dir, 'out.jsonl');
      await writeFile(input, `${JSON.stringify({ id: 'n-1', text: NOTE })}\n`);
      const { PATH, HOME } = process.env;
      const child = spawn(
        'npx',
        ['clinex', 'extract', '--engine', 'llm', '--variant', 'one-shot', '--input', input, '--output', output],
        {
          cwd: REPO_ROOT,
          env: { PATH, HOME, LLM_BASE_URL: server.url, LLM_API_KEY: 'sk-cli', LLM_MODEL: 'qwen2.5-7b-instruct' },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ code, stderr }).toMatchObject({ code: 0 });
      const lines = (await readFile(output, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      const extraction = JSON.parse(lines[0]!) as { noteId: string; medications: unknown[]; engine: { model: string } };
      expect(extraction.noteId).toBe('n-1');
      expect(extraction.medications).toHaveLength(2);
      expect(extraction.engine.model).toBe('qwen2.5-7b-instruct');
      expect(stderr).toContain('1 call(s), 900 input tokens');
      expect(stderr).toMatch(
        /LLM latency: per note mean \d+ ms, median \d+ ms, max \d+ ms \(1 note\); per call .* \(1 call\); per attempt .* \(1 attempt\)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
