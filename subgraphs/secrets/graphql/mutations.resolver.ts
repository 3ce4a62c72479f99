import { Arg, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import type { AuditAction } from '../../../shared/audit';
import type { RequestContext } from '../../../shared/context';
import type { Secret as SecretRecord } from '../domain/secret';
import type { VersionAction } from '../domain/secretVersion';
import { callOf, guard, primeSecrets, secretLoader, secretResource, type SecretsDeps } from './secretsRequest';
import { CreateSecretInput, Secret, UpdateSecretInput } from './types';

const VERSION_ACTIONS: Record<VersionAction, AuditAction> = {
  delete: 'secrets.delete_versions',
  undelete: 'secrets.undelete_versions',
  destroy: 'secrets.destroy_versions',
};

/** Secret lifecycle: create (binds the KMS key for good), update, delete, version states. */
@Resolver()
export class SecretMutationsResolver {
  constructor(private readonly deps: SecretsDeps) {}

  @Mutation(() => Secret, { description: "region defaults to the request's region; the key binding never changes afterwards" })
  async createSecret(@Arg('input', () => CreateSecretInput) input: CreateSecretInput, @Ctx() ctx: RequestContext): Promise<SecretRecord> {
    const r = secretResource(input.path);
    // Create checks the key in KMS (and encrypts a first value): it needs the kms gate too.
    await guard(ctx, r.resource, { scopes: ['secrets:write'], features: ['secrets', 'kms'], path: r.path });
    const region = typeof input.region === 'string' && ctx.services.config.regions.has(input.region) ? input.region : ctx.region;
    const secret = await ctx.auditedChange('secrets.create', r.resource, async () => {
      const out = await this.deps.manager.createSecret(callOf(ctx), input, ctx.region);
      return { value: out.secret, keyVersion: out.kmsKeyVersion };
    }, { region });
    primeSecrets(ctx, this.deps.store, [secret]);
    return secret;
  }

  @Mutation(() => Secret, { description: 'metadata only; a different kmsKeyIdentity fails with IMMUTABLE_FIELD' })
  async updateSecret(@Arg('input', () => UpdateSecretInput) input: UpdateSecretInput, @Ctx() ctx: RequestContext): Promise<SecretRecord> {
    const r = secretResource(input.path);
    await guard(ctx, r.resource, { scopes: ['secrets:write'], path: r.path });
    const meta = await secretLoader(ctx, this.deps.store).load(r.path);
    const secret = await ctx.auditedChange('secrets.update', r.resource, async () => ({
      value: await this.deps.manager.updateSecret(ctx.project, input),
    }), { region: meta?.region });
    primeSecrets(ctx, this.deps.store, [secret]);
    return secret;
  }

  @Mutation(() => Boolean, { description: 'removes the secret and every version; the path can be created again' })
  async deleteSecret(@Arg('path', () => String) path: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    const r = secretResource(path);
    await guard(ctx, r.resource, { scopes: ['secrets:write'], path: r.path });
    const loader = secretLoader(ctx, this.deps.store);
    const meta = await loader.load(r.path);
    const done = await ctx.auditedChange('secrets.delete', r.resource, async () => ({ value: await this.deps.manager.deleteSecret(ctx.project, r.path) }), { region: meta?.region });
    loader.clear(r.path);
    return done;
  }

  @Mutation(() => Secret, { description: 'soft, reversible' })
  deleteSecretVersions(
    @Arg('path', () => String) path: string,
    @Arg('versions', () => [Int]) versions: number[],
    @Ctx() ctx: RequestContext,
  ): Promise<SecretRecord> {
    return this.changeVersions(ctx, 'delete', path, versions);
  }

  @Mutation(() => Secret)
  undeleteSecretVersions(
    @Arg('path', () => String) path: string,
    @Arg('versions', () => [Int]) versions: number[],
    @Ctx() ctx: RequestContext,
  ): Promise<SecretRecord> {
    return this.changeVersions(ctx, 'undelete', path, versions);
  }

  @Mutation(() => Secret, { description: 'ciphertext erased for good' })
  destroySecretVersions(
    @Arg('path', () => String) path: string,
    @Arg('versions', () => [Int]) versions: number[],
    @Ctx() ctx: RequestContext,
  ): Promise<SecretRecord> {
    return this.changeVersions(ctx, 'destroy', path, versions);
  }

  private async changeVersions(ctx: RequestContext, action: VersionAction, path: string, versions: number[]): Promise<SecretRecord> {
    const r = secretResource(path);
    await guard(ctx, r.resource, { scopes: ['secrets:write'], path: r.path });
    const meta = await secretLoader(ctx, this.deps.store).load(r.path);
    const secret = await ctx.auditedChange(VERSION_ACTIONS[action], r.resource, async () => ({
      value: await this.deps.manager.changeVersions(ctx.project, action, r.path, versions),
    }), { region: meta?.region });
    primeSecrets(ctx, this.deps.store, [secret]);
    return secret;
  }
}
