import { createClient } from '../index';
import { GLOBAL_OPTIONS, parse, splitCommandWords, stringOption, type Parsed } from './args';
import { auditCommands } from './audit';
import { usageLine, type Client, type Command } from './command';
import { cryptoCommands } from './crypto';
import { CliError, UsageError } from './errors';
import { commandHelp, globalHelp, groupHelp, GROUPS } from './help';
import { keyCommands } from './key';
import type { Io } from './output';
import { describeError } from './report';
import { runCommands } from './run';
import { secretCommands } from './secret';
import { tokenCommands } from './token';

export const COMMANDS: Command[] = [...secretCommands, ...keyCommands, ...cryptoCommands, ...auditCommands, ...tokenCommands, ...runCommands];

export const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';

const byName = new Map(COMMANDS.map((c) => [c.name, c]));

function isCommandPrefix(words: string[]): boolean {
  const prefix = words.join(' ');
  return COMMANDS.some((c) => c.name === prefix || c.name.startsWith(`${prefix} `));
}

/** Runs one smk command line; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  const helpWord = argv[0] === 'help';
  const { words, rest } = splitCommandWords(helpWord ? argv.slice(1) : argv, isCommandPrefix);
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  const wantsHelp = helpWord || own.includes('--help') || own.includes('-h');
  const command = byName.get(words.join(' '));

  if (!command) {
    if (wantsHelp && !own.some((a) => !a.startsWith('-'))) {
      io.stdout.write(words.length ? groupHelp(words[0], COMMANDS) : globalHelp(COMMANDS));
      return 0;
    }
    const unknown = own.find((a) => !a.startsWith('-'));
    if (unknown) return usageFailure(io, new UsageError(`unknown command: smk ${[...words, unknown].join(' ')}`), words.length ? groupHelp(words[0], COMMANDS) : globalHelp(COMMANDS));
    if (words.length) return usageFailure(io, new UsageError(`smk ${words[0]} needs a command`), groupHelp(words[0], COMMANDS));
    io.stderr.write(globalHelp(COMMANDS));
    return 2;
  }

  const usage = usageLine(command);
  try {
    if (wantsHelp) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    const parsed = parse(rest, { ...GLOBAL_OPTIONS, ...command.options }, usage);
    const positionals = command.tail ? parsed.positionals : [...parsed.positionals, ...(parsed.tail ?? [])];
    const names = command.positionals ?? [];
    if (positionals.length < names.length) throw new UsageError(`missing <${names[positionals.length]}>`, usage);
    if (positionals.length > names.length) throw new UsageError(`unexpected argument: ${positionals[names.length]}`, usage);
    if (command.tail && parsed.positionals.length > 0) throw new UsageError('put the command to run after --', usage);

    let client: Client | undefined;
    const code = await command.run({
      io,
      json: parsed.values.json === true,
      values: parsed.values,
      args: Object.fromEntries(names.map((n, i) => [n, positionals[i]])),
      tail: parsed.tail ?? [],
      usage,
      client: () => (client ??= clientFrom(parsed.values, io.env, usage)),
    });
    return code ?? 0;
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, err, `usage: ${err.usage ?? usage}\nRun \`smk ${command.name} --help\` for its options.\n`);
    io.stderr.write(`${describeError(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

function usageFailure(io: Io, err: UsageError, help: string): number {
  io.stderr.write(`smk: ${err.message}\n${help}`);
  return 2;
}

function clientFrom(values: Parsed['values'], env: NodeJS.ProcessEnv, usage: string): Client {
  const url = stringOption(values, 'url') ?? (env.SMK_URL || DEFAULT_URL);
  const token = stringOption(values, 'token') ?? env.SMK_TOKEN;
  const region = stringOption(values, 'region') ?? (env.SMK_REGION || undefined);
  if (!token) throw new UsageError('no token: set SMK_TOKEN or pass --token', usage);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url} (--url / SMK_URL)`, usage);
  }
  return createClient({ url, token, region });
}

/** The bin's entry: the process's streams and environment, then exit with the command's code. */
export function cli(): void {
  // A reader that stops early (`smk secret list | head -1`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env })
    .catch((err: unknown) => {
      process.stderr.write(`${describeError(err)}\n`);
      return 1;
    })
    // Exit once the output is written, without waiting for the HTTP client's idle keep-alive sockets.
    .then((code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code))));
}
