import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CliInputError } from './cli-input.error.js';

export interface JsonlLine {
  /** 1-based, as editors count. */
  readonly lineNumber: number;
  readonly value: unknown;
}

/** Streams a JSON Lines file; blank lines are skipped, a line that is not JSON stops the read with its number. */
export async function* readJsonl(file: string, label: string): AsyncGenerator<JsonlLine> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // The parser's message can quote the line (note text), so only the position is reported.
      throw new CliInputError(`${label} line ${lineNumber}: not valid JSON`);
    }
    yield { lineNumber, value };
  }
}
