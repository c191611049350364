import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CliInputError } from '../../apps/validator/src/cli/cli-input.error.js';
import { validateFiles } from '../../apps/validator/src/cli/validate.command.js';

/** `clinex validate`: the file-level command in process, and the real entry point once through tsx. */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = `${REPO}test/fixtures/validator/`;

function fixture(path: string): { note: string; extraction: { noteId: string } } {
  return JSON.parse(readFileSync(`${FIXTURES}${path}`, 'utf8')) as { note: string; extraction: { noteId: string } };
}

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinex-validate-'));
  const clean = fixture('valid/clean-medication-list.json');
  const tenfold = fixture('invalid/dose-value-10x.json');
  writeFileSync(
    file('notes.jsonl'),
    [clean, tenfold].map((f) => JSON.stringify({ id: f.extraction.noteId, text: f.note })).join('\n') + '\n',
  );
  writeFileSync(
    file('extractions.jsonl'),
    `${JSON.stringify(clean.extraction)}\n\n${JSON.stringify(tenfold.extraction)}\n{"noteId":"fx-clean"}\n`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validateFiles', () => {
  it('writes one result per extraction and counts the outcomes', async () => {
    const summary = await validateFiles({
      input: file('extractions.jsonl'),
      notes: file('notes.jsonl'),
      output: file('results.jsonl'),
    });
    expect(summary).toEqual({ extractions: 3, accepted: 1, needs_review: 1, rejected: 1 });
    const lines = readFileSync(file('results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['noteId'], l['status']])).toEqual([
      ['fx-clean', 'accepted'],
      ['fx-10x', 'needs_review'],
      ['fx-clean', 'rejected'],
    ]);
    expect(lines[1]!['flags']).toEqual(
      expect.arrayContaining([
        {
          code: 'DOSE_VALUE_NOT_IN_TEXT',
          severity: 'error',
          message: expect.any(String),
          path: '/medications/0/dose/value',
        },
      ]),
    );
  });

  it.each([
    ['a missing file', { input: 'nope.jsonl' }, /--input file not found/],
    ['a line that is not JSON', { input: 'broken.jsonl' }, /--input line 2: not valid JSON/],
    ['an unknown note id', { input: 'orphan.jsonl' }, /--input line 1: note id "elsewhere" not found in --notes/],
    ['a line without noteId', { input: 'anonymous.jsonl' }, /--input line 1: no string "noteId"/],
    [
      'a malformed note',
      { notes: 'bad-notes.jsonl' },
      /--notes line 1: expected an object with string "id" and "text"/,
    ],
  ])('stops with a clear error on %s, leaving no output', async (_case, override, message) => {
    writeFileSync(file('broken.jsonl'), '{"noteId":"fx-clean"}\n{"noteId": fx\n');
    writeFileSync(file('orphan.jsonl'), '{"noteId":"elsewhere"}\n');
    writeFileSync(file('anonymous.jsonl'), '{"id":"fx-clean"}\n');
    writeFileSync(file('bad-notes.jsonl'), '{"id": 1}\n');
    const options = { input: file('extractions.jsonl'), notes: file('notes.jsonl'), output: file('failed.jsonl') };
    const run = validateFiles({
      ...options,
      ...('input' in override ? { input: file(override.input) } : {}),
      ...('notes' in override ? { notes: file(override.notes) } : {}),
    });
    await expect(run).rejects.toThrow(CliInputError);
    await expect(run).rejects.toThrow(message);
    expect(existsSync(file('failed.jsonl'))).toBe(false);
    expect(existsSync(file('failed.jsonl.partial'))).toBe(false);
  });
});

describe('clinex entry point', () => {
  const run = promisify(execFile);
  const clinex = (...args: string[]) =>
    run(`${REPO}node_modules/.bin/tsx`, ['--conditions=clinex-source', `${REPO}tools/cli/clinex.ts`, ...args], {
      cwd: REPO,
    });

  it('runs validate end to end', async () => {
    const { stderr } = await clinex(
      'validate',
      '--input',
      file('extractions.jsonl'),
      '--notes',
      file('notes.jsonl'),
      '--output',
      file('cli.jsonl'),
    );
    expect(stderr).toContain('validated 3 extractions: 1 accepted, 1 needs_review, 1 rejected');
    expect(readFileSync(file('cli.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('exits 2 with the reason on bad input or an unknown command', async () => {
    await expect(
      clinex('validate', '--input', file('nope.jsonl'), '--notes', file('notes.jsonl'), '--output', file('x.jsonl')),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--input file not found'),
    });
    await expect(clinex('frobnicate')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command'),
    });
  });
});
