import { CliInputError } from '../../apps/validator/src/cli/cli-input.error.js';
import { validateCommand } from '../../apps/validator/src/cli/validate.command.js';
import { createEvalFlagsCommand } from '../../apps/validator/src/cli/eval-flags.command.js';
import { evalCommand, toScored } from '../../apps/extractor/src/cli/eval.command.js';
import { extractCommand, runExtract } from '../../apps/extractor/src/cli/extract.command.js';
import * as corpus from '../../apps/extractor/src/cli/annotated-corpus.js';
import { noteKeys } from '../../apps/extractor/src/cli/medication.scoring.js';
import { scoreContract, toScoredNote } from '../../apps/extractor/src/cli/contract.scoring.js';
import { adminCommand } from './admin.js';

/**
 * Clinex command line: `clinex <command> [options]`. Run from the repository with
 *   npx tsx --conditions=clinex-source tools/cli/clinex.ts validate --input x.jsonl --notes n.jsonl --output r.jsonl
 * Each command lives with the app it belongs to and is registered here by name; `extract` and `eval` go beside it.
 */

interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

interface CliCommand {
  readonly summary: string;
  readonly usage: string;
  /** Resolves to the process exit status; throws CliInputError for bad input. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

const COMMANDS: Readonly<Record<string, CliCommand>> = {
  extract: extractCommand,
  eval: evalCommand,
  validate: validateCommand,
  // The validator's measurement of its flags, handed the extractor's corpus reader, scoring and engine runner here.
  'eval-flags': createEvalFlagsCommand({
    corpus,
    scoring: { toScoredMedication: toScored, medicationKeys: noteKeys, toScoredNote, scoreContract },
    extract: runExtract,
  }),
  admin: adminCommand,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: clinex <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "clinex <command> --help" for a command's options.\n`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`clinex: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof CliInputError) {
      io.stderr(`clinex ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

const io: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
process.exitCode = await main(process.argv.slice(2), io);
