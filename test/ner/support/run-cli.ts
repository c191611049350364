// Runs `extract` or `eval` from the CLI modules as a process would (used by cli.test.ts).
import { runEval } from '../../../apps/extractor/src/cli/eval.command.js';
import { runExtract } from '../../../apps/extractor/src/cli/extract.command.js';

const [command, ...rest] = process.argv.slice(2);
process.exitCode = command === 'eval' ? await runEval(rest) : await runExtract(rest);
