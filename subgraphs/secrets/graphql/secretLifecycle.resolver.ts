import { Arg, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import type { AuditAction } from '../../../shared/audit';
import type { RequestContext } from '../../../shared/context';
import type { SecretMeta } from '../domain/secret';
import type { VersionAction } from '../domain/secretVersion';
import { primeSecrets, secretLoader } from './secretLoaders';
import { stillInProgress, validateIdempotencyKey } from '../../../shared/idempotency';
import { secretNotFound } from '../domain/errors';
import { callOf, commitGuard, guard, secretResource, type SecretsDeps } from './secretsRequest';
import { CreateSecretInput, Secret, UpdateSecretInput } from './types';

const VERSION_ACTIONS: Record<VersionAction, AuditAction> = {
  delete: 'secrets.delete_versions',
  undelete: 'secrets.undelete_versions',
  destroy: 'secrets.destroy_versions',
};

/** Secret lifecycle: create (binds the KMS key for good), update, delete, version states. */
@Resolver()
export class SecretLifecycleResolver {
  constructor(private readonly deps: SecretsDeps) {}

  @Mutation(() => Secret, { description: 'Creates a secret bound for good to a KMS key of its region, with an optional first value. Needs secrets:write; ALREADY_EXISTS, NOT_FOUND (no such key), KEY_REGION_MISMATCH (key only in another region), UNSUPPORTED_KEY_TYPE (not symmetric), KMS_KEY_NOT_ACTIVE, BAD_USER_INPUT.' })
  async createSecret(@Arg('input', () => CreateSecretInput, { description: 'The new secret.' }) input: CreateSecretInput, @Ctx() ctx: RequestContext): Promise<SecretMeta> {
    const r = secretResource(input.path);
    // Create checks the key in KMS (and encrypts a first value): it needs the kms gate too.
    await guard(ctx, r.resource, { scopes: ['secrets:write'], features: ['secrets', 'kms'], path: r.path });
    const region = this.deps.manager.createRegion(input.region, ctx.region);
    const key = validateIdempotencyKey(input.idempotencyKey);
    const create = () => ctx.auditedChange('secrets.create', r.resource, async () => {
      const out = await this.deps.manager.createSecret(callOf(ctx), input, ctx.region);
      return { value: out.secret, keyVersion: out.kmsKeyVersion };
    }, { region });
    const { idempotencyKey: _, ...rest } = input;
    const secret = key === null || !this.deps.idempotency ? await create() : await this.deps.idempotency.execute({
      project: ctx.project,
      scope: 'secrets.create',
      key,
      input: { ...rest, region },
      deadline: ctx.deadline,
      unavailable: () => stillInProgress('SERVICE_UNAVAILABLE'),
      run: async () => {
        const s = await create();
        return { value: s, ref: s.uid };
      },
      replay: async (uid) => {
        const s = await this.deps.manager.getSecret(ctx.project, r.path);
        if (!s || s.uid !== uid) throw secretNotFound();
        return s;
      },
    });
    primeSecrets(ctx, this.deps.manager, [secret]);
    return secret;
  }

  @Mutation(() => Secret, { description: "Changes description, tags or maxVersions (shrinking destroys the oldest versions beyond it), whatever the key's state. Needs secrets:write; NOT_FOUND, IMMUTABLE_FIELD (different kmsKeyIdentity), BAD_USER_INPUT." })
  async updateSecret(@Arg('input', () => UpdateSecretInput, { description: 'The secret and the metadata to change.' }) input: UpdateSecretInput, @Ctx() ctx: RequestContext): Promise<SecretMeta> {
    const r = secretResource(input.path);
    await guard(ctx, r.resource, { scopes: ['secrets:write'], path: r.path });
    const meta = await secretLoader(ctx, this.deps.manager).load(r.path);
    const secret = await ctx.auditedChange('secrets.update', r.resource, async () => ({
      value: await this.deps.manager.updateSecret(ctx.project, input, commitGuard(ctx)),
    }), { region: meta?.region });
    primeSecrets(ctx, this.deps.manager, [secret]);
    return secret;
  }

  @Mutation(() => Boolean, { description: "Removes the secret and every version for good; the path can be created again. Returns true. Needs secrets:write; NOT_FOUND, FORBIDDEN outside the token's pathPrefixes." })
  async deleteSecret(@Arg('path', () => String, { description: 'Path of the secret (`^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment; BAD_USER_INPUT otherwise).' }) path: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    const r = secretResource(path);
    await guard(ctx, r.resource, { scopes: ['secrets:write'], path: r.path });
    const loader = secretLoader(ctx, this.deps.manager);
    const meta = await loader.load(r.path);
    const done = await ctx.auditedChange('secrets.delete', r.resource, async () => ({ value: await this.deps.manager.deleteSecret(ctx.project, r.path, commitGuard(ctx)) }), { region: meta?.region });
    loader.clear(r.path);
    return done;
  }

  @Mutation(() => Secret, { description: 'Soft-deletes versions (state DELETED, reads NOT_FOUND); reversible with undeleteSecretVersions; DESTROYED ones stay DESTROYED. Needs secrets:write; NOT_FOUND, BAD_USER_INPUT.' })
  deleteSecretVersions(
    @Arg('path', () => String, { description: 'Path of the secret (`^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment; BAD_USER_INPUT otherwise).' }) path: string,
    @Arg('versions', () => [Int], { description: '1 to 100 version numbers (each ≥ 1) to delete; all or nothing: one never written makes the call NOT_FOUND.' }) versions: number[],
    @Ctx() ctx: RequestContext,
  ): Promise<SecretMeta> {
    return this.changeVersions(ctx, 'delete', path, versions);
  }

  @Mutation(() => Secret, { description: 'Makes DELETED versions ENABLED again. Needs secrets:write; NOT_FOUND (also for a DESTROYED version), BAD_USER_INPUT.' })
  undeleteSecretVersions(
    @Arg('path', () => String, { description: 'Path of the secret (`^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment; BAD_USER_INPUT otherwise).' }) path: string,
    @Arg('versions', () => [Int], { description: '1 to 100 version numbers (each ≥ 1) to undelete; all or nothing: one never written makes the call NOT_FOUND.' }) versions: number[],
    @Ctx() ctx: RequestContext,
  ): Promise<SecretMeta> {
    return this.changeVersions(ctx, 'undelete', path, versions);
  }

  @Mutation(() => Secret, { description: 'Erases the ciphertext of versions for good (state DESTROYED); cannot be undone. Needs secrets:write; NOT_FOUND, BAD_USER_INPUT.' })
  destroySecretVersions(
    @Arg('path', () => String, { description: 'Path of the secret (`^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment; BAD_USER_INPUT otherwise).' }) path: string,
    @Arg('versions', () => [Int], { description: '1 to 100 version numbers (each ≥ 1) to destroy; all or nothing: one never written makes the call NOT_FOUND.' }) versions: number[],
    @Ctx() ctx: RequestContext,
  ): Promise<SecretMeta> {
    return this.changeVersions(ctx, 'destroy', path, versions);
  }

  private async changeVersions(ctx: RequestContext, action: VersionAction, path: string, versions: number[]): Promise<SecretMeta> {
    const r = secretResource(path);
    await guard(ctx, r.resource, { scopes: ['secrets:write'], path: r.path });
    const meta = await secretLoader(ctx, this.deps.manager).load(r.path);
    const secret = await ctx.auditedChange(VERSION_ACTIONS[action], r.resource, async () => ({
      value: await this.deps.manager.changeVersions(ctx.project, action, r.path, versions, commitGuard(ctx)),
    }), { region: meta?.region });
    primeSecrets(ctx, this.deps.manager, [secret]);
    return secret;
  }
}
