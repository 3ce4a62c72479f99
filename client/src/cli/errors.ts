/** A mistake in the command line: smk prints the problem and the command's usage line, exit 2. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A failure smk found itself (unreadable input, a missing secret): printed as `CODE: message`
 * (or `smk: message` without a code), exit 1 unless said otherwise. Messages never carry values.
 */
export class CliError extends Error {
  constructor(message: string, readonly code?: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
