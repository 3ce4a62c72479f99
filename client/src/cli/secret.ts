import { readFile } from 'node:fs/promises';
import { SecretVersionsDocument } from '../index';
import { integerOption, stringOption } from './args';
import type { Client, Command } from './command';
import { CliError, UsageError } from './errors';
import { readAll, writeJson, writeTable } from './output';

/** Secret values are UTF-8 text (API.md); bytes that are not are refused here, not mangled. */
function utf8(bytes: Uint8Array, from: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CliError(`the value from ${from} is not valid UTF-8 (secret values are text; use \`smk encrypt\` for bytes)`);
  }
}

export const secretCommands: Command[] = [
  {
    name: 'secret create',
    synopsis: '<path> --key <identity> [--region R] [--description D]',
    summary: 'create a secret bound to a KMS key (the binding never changes)',
    positionals: ['path'],
    options: {
      key: { type: 'string', value: 'IDENTITY', help: 'the symmetric KMS key that encrypts its values (required)' },
      description: { type: 'string', value: 'D', help: 'free text' },
    },
    details: '--region R places the secret (and looks up its key) in region R; default: the request region.',
    async run(ctx) {
      const key = stringOption(ctx.values, 'key');
      if (!key) throw new UsageError('--key is required', ctx.usage);
      const secret = await ctx.client().createSecret({
        input: {
          path: ctx.args.path,
          kmsKeyIdentity: key,
          region: stringOption(ctx.values, 'region'),
          description: stringOption(ctx.values, 'description'),
        },
      });
      if (ctx.json) return writeJson(ctx.io, secret);
      ctx.io.stdout.write(`created secret ${secret.path} in ${secret.region}, bound to key ${secret.kmsKeyIdentity}\n`);
    },
  },
  {
    name: 'secret put',
    synopsis: '<path> (--value V | --file F | stdin)',
    summary: 'store a new version of a secret\'s value',
    positionals: ['path'],
    options: {
      value: { type: 'string', value: 'V', help: 'the value (visible to other users of this machine in the process list; prefer --file or stdin)' },
      file: { type: 'string', value: 'F', help: 'read the value from file F' },
      'expected-version': { type: 'string', value: 'N', help: 'compare-and-set: fail with VERSION_CONFLICT unless the current version is N (0 = no value yet)' },
    },
    details: 'The value is taken exactly as given: a file\'s or stdin\'s trailing newline is part of it (use `printf %s` rather than `echo`). Values are UTF-8 text, at most 64 KiB.',
    async run(ctx) {
      const inline = stringOption(ctx.values, 'value');
      const file = stringOption(ctx.values, 'file');
      if (inline !== undefined && file !== undefined) throw new UsageError('give --value or --file, not both', ctx.usage);
      let value: string;
      if (inline !== undefined) value = inline;
      else if (file !== undefined) {
        let bytes: Buffer;
        try {
          bytes = await readFile(file);
        } catch (err) {
          throw new CliError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        value = utf8(bytes, `--file ${file}`);
      } else {
        if (ctx.io.stdin.isTTY) throw new UsageError('give the value with --value, --file or on stdin', ctx.usage);
        value = utf8(await readAll(ctx.io.stdin), 'stdin');
      }
      const version = await ctx.client().putSecretValue({
        input: { path: ctx.args.path, value, expectedVersion: integerOption(ctx.values, 'expected-version', ctx.usage, 0) },
      });
      if (ctx.json) return writeJson(ctx.io, { path: ctx.args.path, ...version });
      ctx.io.stdout.write(`put ${ctx.args.path}: version ${version.version} (key version ${version.kmsKeyVersion})\n`);
    },
  },
  {
    name: 'secret get',
    synopsis: '<path> [--version N]',
    summary: 'print a secret\'s value',
    positionals: ['path'],
    options: { version: { type: 'string', value: 'N', help: 'that version (default: the current one)' } },
    details: 'Prints exactly the value; a newline follows only when stdout is a terminal, so `$(smk secret get p)` and `smk secret get p > file` give the value byte for byte.',
    async run(ctx) {
      const value = await ctx.client().getSecretValue({ path: ctx.args.path, version: integerOption(ctx.values, 'version', ctx.usage) });
      if (ctx.json) return writeJson(ctx.io, value);
      ctx.io.stdout.write(ctx.io.stdout.isTTY ? `${value.value}\n` : value.value);
    },
  },
  {
    name: 'secret list',
    synopsis: '[--prefix P]',
    summary: 'list secrets (all pages), in path order',
    options: { prefix: { type: 'string', value: 'P', help: 'only paths under P' } },
    async run(ctx) {
      const secrets = [];
      for await (const s of ctx.client().paginate.secrets({ pathPrefix: stringOption(ctx.values, 'prefix') })) secrets.push(s);
      if (ctx.json) return writeJson(ctx.io, secrets);
      writeTable(ctx.io, ['PATH', 'REGION', 'KEY', 'KEY STATUS', 'VERSION'], secrets.map((s) => [s.path, s.region, s.kmsKeyIdentity, s.kmsKey?.status, s.currentVersion]));
    },
  },
  {
    name: 'secret versions',
    synopsis: '<path>',
    summary: 'list a secret\'s versions, newest first',
    positionals: ['path'],
    async run(ctx) {
      const versions = await secretVersions(ctx.client(), ctx.args.path);
      if (ctx.json) return writeJson(ctx.io, versions);
      writeTable(ctx.io, ['VERSION', 'STATE', 'KEY VERSION', 'CREATED'], versions.map((v) => [v.version, v.state, v.kmsKeyVersion, v.createdAt]));
    },
  },
];

/** Every version of a secret (all pages); a missing secret is NOT_FOUND like the API's other reads. */
async function secretVersions(client: Client, path: string) {
  const versions = [];
  let after: string | null | undefined;
  do {
    const data = await client.request(SecretVersionsDocument, { path, first: 100, after });
    if (!data.secret) throw new CliError('no such secret', 'NOT_FOUND');
    versions.push(...data.secret.versions.nodes);
    after = data.secret.versions.pageInfo.hasNextPage ? data.secret.versions.pageInfo.endCursor : undefined;
  } while (after);
  return versions;
}
