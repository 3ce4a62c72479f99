import type { createClient } from '../index';
import type { OptionSpecs, Parsed } from './args';
import type { Io } from './output';

export type Client = ReturnType<typeof createClient>;

export interface CommandContext {
  io: Io;
  /** --json: one JSON document on stdout instead of text. */
  json: boolean;
  values: Parsed['values'];
  /** The command's positional arguments, by the names in its spec. */
  args: Record<string, string>;
  /** The words after `--` (commands with `tail`). */
  tail: string[];
  /** `smk <name> <args>`: printed with every usage error. */
  usage: string;
  /** The API client, built from --url/--token/--region or SMK_URL/SMK_TOKEN/SMK_REGION. */
  client(): Client;
}

export interface Command {
  /** The command words, e.g. `secret get`. */
  name: string;
  /** The rest of the usage line, e.g. `<path> [--version N]`. */
  synopsis: string;
  summary: string;
  /** More help text, shown by `--help`. */
  details?: string;
  /** Required positional arguments, in order (their names as in the synopsis). */
  positionals?: string[];
  options?: OptionSpecs;
  /** Takes a command line of its own after `--`. */
  tail?: boolean;
  /** Resolves to the exit code (0 when nothing is returned). */
  run(ctx: CommandContext): Promise<number | void>;
}

export function usageLine(c: Command): string {
  return `smk ${c.name}${c.synopsis ? ` ${c.synopsis}` : ''}`;
}
