import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';

export interface NoteInput {
  id: string;
  text: string;
}

/** The checkout root: the nearest folder above this file with a package.json and a models/ folder. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'models'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export async function readAll(path: string): Promise<string> {
  if (path !== '-') return readFileSync(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON Lines, one object a line; blank lines skipped; a bad line names its number, never its content. */
export async function* readJsonl(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  let line = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw new Error(`${path === '-' ? 'stdin' : path}: line ${line} is not valid JSON`);
    }
    yield { line, value };
  }
}

/** Notes from a .jsonl file ({id, text} per line), a .txt file (one note), or `-` (either, detected). */
export async function readNotes(path: string): Promise<NoteInput[]> {
  const isTxt = path !== '-' && extname(path).toLowerCase() === '.txt';
  const content = await readAll(path);
  if (isTxt || (path === '-' && !content.trimStart().startsWith('{'))) {
    return [{ id: path === '-' ? 'stdin' : basename(path, extname(path)), text: content }];
  }
  const notes: NoteInput[] = [];
  content.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(raw) as unknown;
    } catch {
      throw new Error(`line ${i + 1} is not valid JSON`);
    }
    const o = v as { id?: unknown; text?: unknown };
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.text !== 'string' ||
      (typeof o.id !== 'string' && typeof o.id !== 'number')
    ) {
      throw new Error(`line ${i + 1} needs {"id": string, "text": string}`);
    }
    notes.push({ id: String(o.id), text: o.text });
  });
  return notes;
}

export function openOutput(path: string): Writable {
  return path === '-' ? process.stdout : createWriteStream(resolve(path));
}

/** A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise. */
export class Progress {
  private lastPct = -1;
  private readonly t0 = performance.now();
  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  tick(done: number): void {
    if (!this.enabled || this.total === 0) return;
    const pct = Math.floor((done / this.total) * 100);
    const secs = (performance.now() - this.t0) / 1000;
    const rate = done / Math.max(secs, 1e-6);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((done / this.total) * width);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} notes ${rate.toFixed(1)}/s`,
      );
      if (done === this.total) process.stderr.write('\n');
    } else if (pct >= this.lastPct + 10 || done === this.total) {
      this.lastPct = pct;
      process.stderr.write(`progress ${done}/${this.total} notes (${pct}%), ${rate.toFixed(1)} notes/s\n`);
    }
  }
}
