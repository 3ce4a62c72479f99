import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command, CommandContext } from './command';
import { CliError, UsageError } from './errors';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** batchGetSecretValue takes at most this many paths per call. */
const BATCH = 100;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function parseEnvSpecs(ctx: CommandContext): Array<{ name: string; path: string }> {
  const raw = ctx.values.env as string[] | undefined;
  if (!raw || raw.length === 0) throw new UsageError('give at least one --env NAME=<path>', ctx.usage);
  const seen = new Set<string>();
  return raw.map((spec) => {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq);
    const path = spec.slice(eq + 1);
    if (eq < 0 || !ENV_NAME.test(name) || !path) throw new UsageError(`--env ${spec}: expected NAME=<path> with NAME a variable name`, ctx.usage);
    if (seen.has(name)) throw new UsageError(`--env ${name} given twice`, ctx.usage);
    seen.add(name);
    return { name, path };
  });
}

/**
 * The secrets' values by path. Nothing here prints or throws a value: a failed item is reported
 * by its code, the service's message and the --env that asked for it.
 */
async function fetchValues(ctx: CommandContext, specs: Array<{ name: string; path: string }>): Promise<Map<string, string>> {
  const paths = [...new Set(specs.map((s) => s.path))];
  const values = new Map<string, string>();
  for (let i = 0; i < paths.length; i += BATCH) {
    const items = await ctx.client().batchGetSecretValue({ paths: paths.slice(i, i + BATCH) });
    for (const item of items) {
      if (item.error || item.value === null || item.value === undefined) {
        const names = specs.filter((s) => s.path === item.path).map((s) => s.name).join(', ');
        throw new CliError(`${item.error?.message ?? 'no value'} (--env ${names}=${item.path})`, item.error?.code ?? 'NOT_FOUND');
      }
      values.set(item.path, item.value);
    }
  }
  return values;
}

export const runCommands: Command[] = [
  {
    name: 'run',
    synopsis: '--env NAME=<path> [--env …] -- <command> [args…]',
    summary: 'run a command with secrets in its environment',
    details:
      'Reveals the secrets (one batch request), then runs <command> with NAME set to each value on top of smk\'s own environment, less SMK_TOKEN. ' +
      'The command inherits stdin, stdout and stderr, receives SIGINT/SIGTERM/SIGHUP sent to smk, and its exit code is smk\'s ' +
      '(128 + the signal number when a signal ended it). smk itself never prints a value, not even on errors, and prints nothing of its own when all goes well (so --json changes nothing here).',
    options: { env: { type: 'string', multiple: true, value: 'NAME=PATH', help: 'set NAME to the value of the secret at PATH (repeatable)' } },
    tail: true,
    async run(ctx) {
      const specs = parseEnvSpecs(ctx);
      if (ctx.tail.length === 0) throw new UsageError('give the command to run after --', ctx.usage);
      const values = await fetchValues(ctx, specs);
      // The command gets its secrets, not smk's own credential (least privilege); --env can still pass one on.
      const env = { ...ctx.io.env };
      delete env.SMK_TOKEN;
      for (const s of specs) env[s.name] = values.get(s.path);
      const [command, ...args] = ctx.tail;
      return new Promise<number>((resolve, reject) => {
        const child = spawn(command, args, { stdio: 'inherit', env });
        const forward = (signal: NodeJS.Signals) => child.kill(signal);
        for (const s of FORWARDED_SIGNALS) process.on(s, forward);
        const done = () => FORWARDED_SIGNALS.forEach((s) => process.off(s, forward));
        child.on('error', (err: NodeJS.ErrnoException) => {
          done();
          // 127: the shells' "command not found".
          reject(new CliError(`cannot run ${command}: ${err.code ?? 'error'}`, undefined, err.code === 'ENOENT' ? 127 : 126));
        });
        child.on('exit', (code, signal) => {
          done();
          resolve(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0));
        });
      });
    },
  },
];
