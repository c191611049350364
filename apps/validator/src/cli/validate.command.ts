import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { validateExtraction } from '#validation';
import { CliInputError } from './cli-input.error.js';
import { readJsonl } from './jsonl.reader.js';

/**
 * `clinex validate`: validates a file of extractions against a file of notes, offline (no Kafka, no database), and
 * writes one result line per extraction: {noteId, status, flags: [{code, severity, message, path}]}.
 */

export interface ValidateFilesOptions {
  readonly input: string;
  readonly notes: string;
  readonly output: string;
}

export interface ValidateSummary {
  extractions: number;
  accepted: number;
  needs_review: number;
  rejected: number;
}

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const VALIDATE_USAGE = `Usage: clinex validate --input <extractions.jsonl> --notes <notes.jsonl> --output <results.jsonl>

  --input   one ClinicalExtraction JSON object per line
  --notes   one {"id": string, "text": string} JSON object per line
  --output  written as one {"noteId", "status", "flags"} JSON object per extraction (replaced only on success)`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireFile(path: string, option: string): void {
  if (!existsSync(path)) throw new CliInputError(`${option} file not found: ${path}`);
  if (!statSync(path).isFile()) throw new CliInputError(`${option} is not a file: ${path}`);
}

async function loadNotes(file: string): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  for await (const { lineNumber, value } of readJsonl(file, '--notes')) {
    if (!isRecord(value) || typeof value['id'] !== 'string' || typeof value['text'] !== 'string') {
      throw new CliInputError(`--notes line ${lineNumber}: expected an object with string "id" and "text"`);
    }
    if (notes.has(value['id']))
      throw new CliInputError(`--notes line ${lineNumber}: note id "${value['id']}" appears twice`);
    notes.set(value['id'], value['text']);
  }
  return notes;
}

/** Validates every extraction in `input`; throws CliInputError (naming file and line) on bad input. */
export async function validateFiles(options: ValidateFilesOptions): Promise<ValidateSummary> {
  requireFile(options.input, '--input');
  requireFile(options.notes, '--notes');
  const output = resolve(options.output);
  if (!existsSync(dirname(output))) throw new CliInputError(`--output folder not found: ${dirname(output)}`);

  const notes = await loadNotes(options.notes);
  const summary: ValidateSummary = { extractions: 0, accepted: 0, needs_review: 0, rejected: 0 };
  // Results go to a temporary file renamed at the end, so a failed run never leaves a half-written output behind.
  const partial = `${output}.partial`;
  const out = createWriteStream(partial, { encoding: 'utf8' });
  try {
    for await (const { lineNumber, value } of readJsonl(options.input, '--input')) {
      const noteId = isRecord(value) ? value['noteId'] : undefined;
      if (typeof noteId !== 'string') throw new CliInputError(`--input line ${lineNumber}: no string "noteId"`);
      const text = notes.get(noteId);
      if (text === undefined)
        throw new CliInputError(`--input line ${lineNumber}: note id "${noteId}" not found in --notes`);
      const outcome = validateExtraction(text, value);
      const flags = outcome.flags.map(({ code, severity, message, path }) => ({ code, severity, message, path }));
      summary.extractions++;
      summary[outcome.status]++;
      if (!out.write(`${JSON.stringify({ noteId, status: outcome.status, flags })}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    renameSync(partial, output);
    return summary;
  } catch (error) {
    // Let pending writes settle before removing the file; a write error here changes nothing about the outcome.
    out.end();
    await finished(out).catch(() => undefined);
    rmSync(partial, { force: true });
    throw error;
  }
}

function parseValidateArgs(args: readonly string[]): ValidateFilesOptions | 'help' {
  let values: { input?: string; notes?: string; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        input: { type: 'string' },
        notes: { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliInputError(`${error instanceof Error ? error.message : String(error)}\n\n${VALIDATE_USAGE}`);
  }
  if (values.help) return 'help';
  const { input, notes, output } = values;
  if (!input || !notes || !output) {
    const missing = Object.entries({ input, notes, output })
      .filter(([, v]) => !v)
      .map(([k]) => `--${k}`);
    throw new CliInputError(`missing ${missing.join(', ')}\n\n${VALIDATE_USAGE}`);
  }
  return { input, notes, output };
}

export const validateCommand = {
  summary: 'validate extractions against their notes, offline',
  usage: VALIDATE_USAGE,
  async run(args: readonly string[], io: CommandIo): Promise<number> {
    const options = parseValidateArgs(args);
    if (options === 'help') {
      io.stdout(`${VALIDATE_USAGE}\n`);
      return 0;
    }
    const s = await validateFiles(options);
    io.stderr(
      `validated ${s.extractions} extractions: ${s.accepted} accepted, ${s.needs_review} needs_review, ${s.rejected} rejected\n`,
    );
    return 0;
  },
};
