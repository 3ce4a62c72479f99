import { parseArgs } from 'node:util';

import { UsageError } from './errors';

export { UsageError };

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Placeholder in help texts, e.g. `N` for `--version N`. */
  value?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  url: { type: 'string', value: 'URL', help: 'gateway endpoint (env SMK_URL, default http://127.0.0.1:4000/graphql)' },
  token: { type: 'string', value: 'TOKEN', help: 'API token (env SMK_TOKEN)' },
  region: { type: 'string', value: 'REGION', help: 'region to act in (env SMK_REGION, default: the gateway\'s default region)' },
  json: { type: 'boolean', help: 'machine output: one JSON document on stdout' },
  help: { type: 'boolean', help: 'show help' },
};

/** The global options that take a value, so a command word is not mistaken for one. */
const GLOBAL_VALUE_FLAGS = new Set(Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type === 'string').map(([n]) => `--${n}`));

/**
 * The command words of a command line (`secret get`, `run`, …): the leading words that are not
 * options, skipping global options (and their values) written before or between them. Returns the
 * words and the rest of the argv, in order, for parseArgs.
 */
export function splitCommandWords(argv: string[], isCommandPrefix: (words: string[]) => boolean): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      rest.push(a);
      if (GLOBAL_VALUE_FLAGS.has(a) && i + 1 < argv.length) rest.push(argv[++i]);
      continue;
    }
    if (!isCommandPrefix([...words, a])) break;
    words.push(a);
  }
  rest.push(...argv.slice(i));
  return { words, rest };
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Words after a `--`, when the command takes a command line of its own. */
  tail: string[] | undefined;
}

/** util.parseArgs with smk's messages: every mistake is a UsageError naming the option. */
export function parse(argv: string[], options: OptionSpecs, usage: string): Parsed {
  let result;
  try {
    result = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type, multiple: o.multiple ?? false }])),
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (err) {
    throw new UsageError(describeParseError(err), usage);
  }
  const terminator = result.tokens.find((t) => t.kind === 'option-terminator');
  const before = terminator ? result.tokens.filter((t) => t.kind === 'positional' && t.index < terminator.index) : result.tokens.filter((t) => t.kind === 'positional');
  return {
    values: result.values as Parsed['values'],
    positionals: before.map((t) => (t.kind === 'positional' ? t.value : '')),
    tail: terminator ? argv.slice(terminator.index + 1) : undefined,
  };
}

function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const option = /'(-{1,2}[^' ]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing|ambiguous/.test(e.message ?? '') ? `option ${option} needs a value` : `option ${option} takes no value`;
    default:
      return e.message ?? String(err);
  }
}

/** A whole number ≥ min (positive by default), or a UsageError naming the option. */
export function integerOption(values: Parsed['values'], name: string, usage: string, min = 1): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`--${name} must be a whole number${min > 0 ? ` ≥ ${min}` : ''}`, usage);
  }
  return Number(raw);
}

/** A comma-separated list option (`--scopes a,b`), empty items dropped. */
export function listOption(values: Parsed['values'], name: string): string[] | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

export function stringOption(values: Parsed['values'], name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}
