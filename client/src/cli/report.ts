import { SecretsKmsError } from '../index';
import { CliError } from './errors';

/**
 * The one line smk prints on stderr for a failure: `CODE: message (request id …)`. The service's
 * messages never carry values, and smk adds none.
 */
export function describeError(err: unknown): string {
  // The client's message reads exactly that.
  if (err instanceof SecretsKmsError) return err.message;
  if (err instanceof CliError) return err.code ? `${err.code}: ${err.message}` : `smk: ${err.message}`;
  return `smk: ${err instanceof Error ? err.message : String(err)}`;
}
