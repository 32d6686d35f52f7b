/** An expected failure of a command (bad option, missing file): printed as one line, exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}
