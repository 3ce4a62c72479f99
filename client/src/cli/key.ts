import { KmsKeyBoundSecretsDocument, SecretsKmsError, type KeyStatus, type KeyType } from '../index';
import { integerOption, stringOption } from './args';
import type { Client, Command, CommandContext } from './command';
import { CliError, UsageError } from './errors';
import { writeJson, writeTable } from './output';
import { describeError } from './report';

const KEY_TYPES: readonly KeyType[] = ['AES128_GCM96', 'AES256_GCM96', 'CHACHA20_POLY1305', 'RSA_2048', 'RSA_4096', 'ECDSA_P256', 'ED25519', 'HMAC_SHA256'];
const KEY_STATUSES: readonly KeyStatus[] = ['ACTIVE', 'DISABLED', 'PENDING_DELETION'];

/** An enum option's value (any case), or a UsageError listing the choices. */
function enumOption<T extends string>(ctx: CommandContext, name: string, choices: readonly T[]): T | undefined {
  const raw = stringOption(ctx.values, name)?.toUpperCase();
  if (raw !== undefined && !(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}`, ctx.usage);
  return raw as T | undefined;
}

/** A secret revealed within this many days counts as in use: the guard's window. */
const IN_USE_DAYS = 30;

const identityArg = { positionals: ['identity'] };

export const keyCommands: Command[] = [
  {
    name: 'key create',
    synopsis: '<identity> --type T [--description D]',
    summary: 'create a KMS key in the request region',
    ...identityArg,
    options: {
      type: { type: 'string', value: 'T', help: `key type: ${KEY_TYPES.join(', ')} (required)` },
      description: { type: 'string', value: 'D', help: 'free text' },
    },
    async run(ctx) {
      const type = enumOption(ctx, 'type', KEY_TYPES);
      if (!type) throw new UsageError('--type is required', ctx.usage);
      const key = await ctx.client().createKmsKey({ input: { identity: ctx.args.identity, type, description: stringOption(ctx.values, 'description') } });
      if (ctx.json) return writeJson(ctx.io, key);
      ctx.io.stdout.write(`created key ${key.identity} (${key.type}) in ${key.region}\n`);
    },
  },
  {
    name: 'key list',
    synopsis: '[--status S]',
    summary: 'list the KMS keys of the request region (all pages)',
    options: { status: { type: 'string', value: 'S', help: `only keys in status S: ${KEY_STATUSES.join(', ')}` } },
    async run(ctx) {
      const status = enumOption(ctx, 'status', KEY_STATUSES);
      const keys = [];
      for await (const k of ctx.client().paginate.kmsKeys({ status })) keys.push(k);
      if (ctx.json) return writeJson(ctx.io, keys);
      writeTable(ctx.io, ['IDENTITY', 'REGION', 'TYPE', 'STATUS', 'VERSION'], keys.map((k) => [k.identity, k.region, k.type, k.status, k.latestVersion]));
    },
  },
  {
    name: 'key rotate',
    synopsis: '<identity>',
    summary: 'add a new key version; new encryptions use it, old ones stay decryptable',
    ...identityArg,
    async run(ctx) {
      const key = await ctx.client().rotateKmsKey({ identity: ctx.args.identity });
      if (ctx.json) return writeJson(ctx.io, key);
      ctx.io.stdout.write(`rotated key ${key.identity}: latest version ${key.latestVersion}\n`);
    },
  },
  {
    name: 'key enable',
    synopsis: '<identity>',
    summary: 'enable a DISABLED key again',
    ...identityArg,
    async run(ctx) {
      const key = await ctx.client().enableKmsKey({ identity: ctx.args.identity });
      if (ctx.json) return writeJson(ctx.io, key);
      ctx.io.stdout.write(`key ${key.identity} is ${key.status}\n`);
    },
  },
  guarded({
    name: 'key disable',
    synopsis: '<identity> [--yes] [--force]',
    summary: 'disable a key: its secrets can no longer be revealed or put',
    verb: 'disable',
    change: (client, identity, ifUnusedSinceDays) => client.disableKmsKey({ identity, ifUnusedSinceDays }),
  }),
  guarded({
    name: 'key schedule-deletion',
    synopsis: '<identity> [--window-days N] [--yes] [--force]',
    summary: 'schedule a key\'s deletion: its material is destroyed after the window',
    verb: 'schedule the deletion of',
    options: { 'window-days': { type: 'string', value: 'N', help: 'days until the material is destroyed, 7..30 (default 30)' } },
    // Read before any request, so a bad --window-days never half-runs the command.
    prepare: (ctx) => ({ pendingWindowDays: integerOption(ctx.values, 'window-days', ctx.usage) }),
    change: (client, identity, ifUnusedSinceDays, { pendingWindowDays }) =>
      client.scheduleKmsKeyDeletion({ identity, pendingWindowDays, ifUnusedSinceDays }),
  }),
];

type KmsKeyResult = Awaited<ReturnType<Client['disableKmsKey']>>;

interface BoundSecret {
  path: string;
  region: string;
  lastAccessedAt: string | null;
  recentlyAccessed: boolean;
}

/**
 * disable / schedule-deletion: list the secrets bound to the key, flag those revealed in the last
 * IN_USE_DAYS days, refuse without --yes, and let the service refuse too (KEY_IN_USE) while the
 * key was used in that window, unless --force.
 */
function guarded<Extra extends object = object>(spec: {
  name: string;
  synopsis: string;
  summary: string;
  verb: string;
  options?: Command['options'];
  /** The change's own arguments, from the command line. */
  prepare?: (ctx: CommandContext) => Extra;
  change: (client: Client, identity: string, ifUnusedSinceDays: number | undefined, extra: Extra) => Promise<KmsKeyResult>;
}): Command {
  return {
    name: spec.name,
    synopsis: spec.synopsis,
    summary: spec.summary,
    details:
      `Lists the secrets bound to the key first and flags those revealed in the last ${IN_USE_DAYS} days. ` +
      `Changes nothing without --yes. With --yes the service still refuses (KEY_IN_USE) when the key was used in the last ${IN_USE_DAYS} days; --force overrides that.`,
    positionals: ['identity'],
    options: {
      ...spec.options,
      yes: { type: 'boolean', help: 'really do it' },
      force: { type: 'boolean', help: `even if the key was used in the last ${IN_USE_DAYS} days` },
    },
    async run(ctx) {
      const extra = spec.prepare?.(ctx) ?? ({} as Extra);
      const client = ctx.client();
      const identity = ctx.args.identity;
      const { key, secrets } = await keyWithBoundSecrets(client, identity);
      const recent = secrets.filter((s) => s.recentlyAccessed);
      const report = { key, boundSecrets: secrets };
      if (!ctx.json) {
        ctx.io.stdout.write(`key ${key.identity} (${key.region}, ${key.status}), last used ${key.lastUsedAt ?? 'never'}\n`);
        ctx.io.stdout.write(`${secrets.length} bound secret${secrets.length === 1 ? '' : 's'}, ${recent.length} accessed in the last ${IN_USE_DAYS} days\n`);
        if (secrets.length > 0) {
          writeTable(ctx.io, ['PATH', 'REGION', 'LAST ACCESSED', ''], secrets.map((s) => [s.path, s.region, s.lastAccessedAt ?? 'never', s.recentlyAccessed ? `accessed in the last ${IN_USE_DAYS} days` : '']));
        }
      }
      if (!ctx.values.yes) {
        if (ctx.json) writeJson(ctx.io, { ...report, applied: false });
        const impact = recent.length > 0 ? ` (${recent.length} of its secrets were accessed in the last ${IN_USE_DAYS} days)` : '';
        ctx.io.stderr.write(`smk: not going to ${spec.verb} key ${identity} without --yes${impact}\n`);
        return 1;
      }
      try {
        const changed = await spec.change(client, identity, ctx.values.force ? undefined : IN_USE_DAYS, extra);
        if (ctx.json) return writeJson(ctx.io, { ...report, applied: true, result: changed });
        ctx.io.stdout.write(`key ${changed.identity} is ${changed.status}${changed.deletionDate ? `; its material is destroyed on ${changed.deletionDate}` : ''}\n`);
      } catch (err) {
        if (!(err instanceof SecretsKmsError) || err.code !== 'KEY_IN_USE') throw err;
        if (ctx.json) writeJson(ctx.io, { ...report, applied: false, error: { code: err.code, message: err.serverMessage, requestId: err.requestId, extensions: err.extensions } });
        const lastUsedAt = err.extensions.lastUsedAt;
        ctx.io.stderr.write(`${describeError(err)}\n`);
        ctx.io.stderr.write(`smk: key ${identity} was used in the last ${IN_USE_DAYS} days${typeof lastUsedAt === 'string' ? ` (last at ${lastUsedAt})` : ''}; --force overrides\n`);
        return 1;
      }
    },
  };
}

async function keyWithBoundSecrets(client: Client, identity: string): Promise<{ key: KmsKeyResult; secrets: BoundSecret[] }> {
  const since = new Date(Date.now() - IN_USE_DAYS * 86_400_000).toISOString();
  const all = await boundSecrets(client, identity, undefined);
  const recent = new Set((await boundSecrets(client, identity, since)).secrets.map((s) => s.path));
  return {
    key: all.key,
    secrets: all.secrets.map((s) => ({ path: s.path, region: s.region, lastAccessedAt: s.lastAccessedAt, recentlyAccessed: recent.has(s.path) })),
  };
}

async function boundSecrets(client: Client, identity: string, accessedSince: string | undefined) {
  const secrets: Array<{ path: string; region: string; lastAccessedAt: string | null }> = [];
  let key: KmsKeyResult | undefined;
  let after: string | null | undefined;
  do {
    const data = await client.request(KmsKeyBoundSecretsDocument, { identity, first: 100, after, accessedSince });
    if (!data.kmsKey) throw new CliError('no such key', 'NOT_FOUND');
    key = data.kmsKey;
    secrets.push(...data.kmsKey.boundSecrets.nodes);
    after = data.kmsKey.boundSecrets.pageInfo.hasNextPage ? data.kmsKey.boundSecrets.pageInfo.endCursor : undefined;
  } while (after);
  return { key: key!, secrets };
}
