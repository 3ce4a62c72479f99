import { integerOption, listOption, stringOption } from './args';
import type { Command } from './command';
import { UsageError } from './errors';
import { writeJson, writeTable } from './output';

export const tokenCommands: Command[] = [
  {
    name: 'token create',
    synopsis: '--name N --scopes a,b [--path-prefixes p,q] [--expires-in-days N]',
    summary: 'create an API token and print it (shown once)',
    details: 'Prints the token alone on stdout (so `T=$(smk token create …)` works) and its id on stderr. Only its hash is stored: it cannot be shown again.',
    options: {
      name: { type: 'string', value: 'N', help: 'a name for people (required)' },
      scopes: { type: 'string', value: 'a,b', help: 'comma-separated scopes, e.g. secrets:read,secrets:read_value (required)' },
      'path-prefixes': { type: 'string', value: 'p,q', help: 'confine the token to these secret paths' },
      'expires-in-days': { type: 'string', value: 'N', help: 'expiry (default: never, or the creating token\'s)' },
    },
    async run(ctx) {
      const name = stringOption(ctx.values, 'name');
      const scopes = listOption(ctx.values, 'scopes');
      if (!name) throw new UsageError('--name is required', ctx.usage);
      if (!scopes || scopes.length === 0) throw new UsageError('--scopes is required', ctx.usage);
      const created = await ctx.client().createApiToken({
        input: { name, scopes, pathPrefixes: listOption(ctx.values, 'path-prefixes'), expiresInDays: integerOption(ctx.values, 'expires-in-days', ctx.usage) },
      });
      if (ctx.json) return writeJson(ctx.io, created);
      ctx.io.stdout.write(`${created.token}\n`);
      ctx.io.stderr.write(`created token ${created.info.id} (${created.info.name}); it is shown only this once\n`);
    },
  },
  {
    name: 'token list',
    synopsis: '',
    summary: 'list your project\'s API tokens (never their values)',
    async run(ctx) {
      const tokens = await ctx.client().apiTokens();
      if (ctx.json) return writeJson(ctx.io, tokens);
      writeTable(ctx.io, ['ID', 'NAME', 'SCOPES', 'PATH PREFIXES', 'EXPIRES', 'REVOKED'], tokens.map((t) => [t.id, t.name, t.scopes.join(','), t.pathPrefixes?.join(',') || null, t.expiresAt, t.revoked ? 'yes' : 'no']));
    },
  },
  {
    name: 'token revoke',
    synopsis: '<id>',
    summary: 'revoke an API token (and the tokens it created)',
    positionals: ['id'],
    async run(ctx) {
      const revoked = await ctx.client().revokeApiToken({ id: ctx.args.id });
      if (ctx.json) return writeJson(ctx.io, { id: ctx.args.id, revoked });
      ctx.io.stdout.write(`revoked token ${ctx.args.id}\n`);
    },
  },
];
