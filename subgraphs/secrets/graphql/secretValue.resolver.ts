import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import type { ApiError } from '../../../shared/errors';
import { pathConfinement } from '../domain/batchReveal';
import { validateBatchPaths } from '../domain/secretInput';
import type { RevealedValue } from '../domain/secretsManager';
import { toSecretVersion } from './connections';
import { secretLoader } from './secretLoaders';
import { stillInProgress, validateIdempotencyKey } from '../../../shared/idempotency';
import { callOf, guard, secretResource, type SecretsDeps } from './secretsRequest';
import { BatchItemError, BatchSecretValueResult, PutSecretValueInput, SecretValue, SecretVersion } from './types';

/**
 * Put and reveal: the operations that run KMS encrypt/decrypt in the secret's region on the
 * caller's behalf. They need the `kms` gate as well as `secrets`, an ACTIVE key, and they write
 * their audit event (SUCCESS or FAILURE with the code) before anything is returned.
 */
@Resolver()
export class SecretValueResolver {
  constructor(private readonly deps: SecretsDeps) {}

  @Query(() => SecretValue, { description: "Reveals a value (decrypted by the KMS of the secret's region); needs an ACTIVE key. Needs secrets:read_value; NOT_FOUND (no secret, no value yet, version absent, DELETED or DESTROYED), FORBIDDEN, KMS_KEY_NOT_ACTIVE, REGION_UNAVAILABLE." })
  async getSecretValue(
    @Arg('path', () => String, { description: 'Path of the secret (`^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment; BAD_USER_INPUT otherwise).' }) path: string,
    @Arg('version', () => Int, { nullable: true, description: 'Version to read (≥ 1); null: currentVersion (no fall-back to an older one when that is deleted).' }) version: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<SecretValue> {
    const r = secretResource(path);
    // The reveal's one store read runs beside the gate check (same round trip); nothing of it is
    // used unless the checks pass, and it also gives the secret's region for the audit event.
    const prepared = this.deps.manager.prepareReveal(ctx.project, { path: r.path, version });
    prepared.catch(() => undefined);
    await guard(ctx, r.resource, { scopes: ['secrets:read_value'], features: ['secrets', 'kms'], path: r.path });
    const meta = await prepared.then((p) => p.read.secret, () => null);
    const value = await ctx.audited('secrets.get_value', r.resource, async () => {
      const v = await this.deps.manager.revealPrepared(callOf(ctx), await prepared);
      return { value: toSecretValue(v), keyVersion: v.kmsKeyVersion };
    }, { region: meta?.region });
    // A reveal counts once its value leaves (audited); recorded in the background, never awaited.
    if (meta) this.deps.access.record(meta);
    return value;
  }

  @Query(() => [BatchSecretValueResult], { description: 'Reveals the current value of up to 100 secrets, one result per path in input order; each item fails on its own in `error`. Needs secrets:read_value; BAD_USER_INPUT for more than 100 paths.' })
  async batchGetSecretValue(@Arg('paths', () => [String], { description: 'At most 100 secret paths; an invalid one fails only its item.' }) paths: string[], @Ctx() ctx: RequestContext): Promise<BatchSecretValueResult[]> {
    validateBatchPaths(paths); // before the guard: a malformed call is not a denial
    // The batch's one store read runs beside the gate check (same round trip); nothing of it is
    // used unless the checks pass (as getSecretValue's).
    const prepared = this.deps.manager.prepareBatch(ctx.project, paths, pathConfinement(ctx.principal.pathPrefixes));
    prepared.catch(() => undefined);
    await guard(ctx, 'secret:*', { scopes: ['secrets:read_value'], features: ['secrets', 'kms'] });
    const items = await this.deps.manager.revealBatch(callOf(ctx), await prepared, { requestRegion: ctx.region });
    // Every item's event (decided by the domain) is written before any value leaves, all in one
    // append (one script call: all or none); a failed write fails the call. FORBIDDEN items join
    // the request's denials (one event with their count, written before the response leaves).
    const events = [];
    for (const item of items) {
      if (!item.audit) continue;
      if (item.audit.action === 'auth.denied') ctx.recordDenial(item.error!, item.audit.resource);
      else events.push(item.audit);
    }
    await ctx.auditMany(events);
    for (const item of items) if (item.revealed) this.deps.access.record(item.revealed);
    // Plain objects: BatchSecretValueResult has simpleResolvers (graphql reads the properties).
    return items.map((item): BatchSecretValueResult => ({
      path: item.path,
      value: item.value?.value ?? null,
      version: item.value?.version ?? null,
      error: item.error ? itemError(item.error) : null,
    }));
  }

  @Mutation(() => SecretVersion, { description: 'Writes a new version (currentVersion + 1), encrypted by the bound key, which must be ACTIVE. Needs secrets:write; NOT_FOUND, VERSION_CONFLICT (expectedVersion), KMS_KEY_NOT_ACTIVE, BAD_USER_INPUT, REGION_UNAVAILABLE.' })
  async putSecretValue(@Arg('input', () => PutSecretValueInput, { description: 'Path, value and optional compare-and-set version.' }) input: PutSecretValueInput, @Ctx() ctx: RequestContext): Promise<SecretVersion> {
    const r = secretResource(input.path);
    const loader = secretLoader(ctx, this.deps.manager);
    // The secret's read runs beside the gate check (same round trip); it is used only once the checks pass.
    const metaRead = loader.load(r.path);
    metaRead.catch(() => undefined);
    await guard(ctx, r.resource, { scopes: ['secrets:write'], features: ['secrets', 'kms'], path: r.path });
    const meta = await metaRead;
    const key = validateIdempotencyKey(input.idempotencyKey);
    const put = () => ctx.auditedChange('secrets.put_value', r.resource, async () => {
      const v = await this.deps.manager.putSecretValue(callOf(ctx), { path: r.path, value: input.value, expectedVersion: input.expectedVersion }, meta);
      return { value: v, keyVersion: v.kmsKeyVersion };
    }, { region: meta?.region });
    // The reference names the secret's incarnation too: a version of a deleted and re-created secret is not the first result.
    const version = key === null || !this.deps.idempotency || !meta ? await put() : await this.deps.idempotency.execute({
      project: ctx.project,
      scope: 'secrets.put_value',
      key,
      input: { path: r.path, value: input.value, expectedVersion: input.expectedVersion },
      deadline: ctx.deadline,
      unavailable: () => stillInProgress('SERVICE_UNAVAILABLE'),
      run: async () => {
        const v = await put();
        return { value: v, ref: JSON.stringify([meta.uid, v.version]) };
      },
      replay: async (ref) => {
        const [uid, n] = JSON.parse(ref) as [string, number];
        return this.deps.manager.versionRecord(ctx.project, r.path, uid, n);
      },
    });
    loader.clear(r.path);
    return toSecretVersion(version);
  }
}

function toSecretValue(v: RevealedValue): SecretValue {
  return Object.assign(new SecretValue(), { path: v.path, version: v.version, value: v.value, createdAt: v.createdAt });
}

function itemError(e: ApiError): BatchItemError {
  return Object.assign(new BatchItemError(), { code: String(e.extensions.code), message: e.message });
}
