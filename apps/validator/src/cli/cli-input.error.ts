/**
 * Bad input to a command-line run (missing file, malformed line, unknown note id). The message names the file and
 * line and never quotes note text; the dispatcher prints it and exits with status 2, where a crash exits with 1.
 */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
  readonly exitCode = 2;
}
