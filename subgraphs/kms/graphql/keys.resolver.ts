import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import type { AuditAction } from '../../../shared/audit';
import type { KmsKeyRecord } from '../domain/keyRing';
import type { KeyRingService } from '../domain/keyRingService';
import { KmsKeysArgs, ScheduleDeletionArgs, UNUSED_SINCE_DAYS_DESCRIPTION } from './types/args';
import { CreateKmsKeyInput, UpdateKmsKeyInput } from './types/inputs';
import { KmsKey, KmsKeyConnection, KmsKeyVersion, PageInfo } from './types/kmsKey';
import { guard, keyLoader, keyResource, lastUsedLoader, primeKey, versionsLoader } from './kmsRequest';

/** Key metadata and lifecycle (Vault transit's path_keys / path_config). */
@Resolver(() => KmsKey)
export class KeysResolver {
  constructor(private readonly kms: KeyRingService) {}

  @Query(() => KmsKey, { nullable: true })
  async kmsKey(@Arg('identity', () => String) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey | null> {
    const resource = keyResource(this.kms, identity);
    await guard(ctx, resource, 'kms:read');
    const rec = await keyLoader(ctx, this.kms).load(identity);
    return rec ? KmsKey.of(rec) : null;
  }

  @Query(() => KmsKeyConnection)
  async kmsKeys(@Args(() => KmsKeysArgs) { status, first, after }: KmsKeysArgs, @Ctx() ctx: RequestContext): Promise<KmsKeyConnection> {
    await guard(ctx, `kms-key:${this.kms.region}/*`, 'kms:read');
    const page = await this.kms.list(ctx.project, status ?? null, first ?? 50, after ?? null);
    for (const rec of page.nodes) keyLoader(ctx, this.kms).prime(rec.identity, rec);
    const conn = new KmsKeyConnection();
    conn.nodes = page.nodes.map(KmsKey.of);
    conn.pageInfo = Object.assign(new PageInfo(), { endCursor: page.endCursor, hasNextPage: page.hasNextPage });
    return conn;
  }

  @FieldResolver(() => [KmsKeyVersion])
  async versions(@Root() key: KmsKey, @Ctx() ctx: RequestContext): Promise<KmsKeyVersion[]> {
    const list = await versionsLoader(ctx, this.kms).load(key.identity);
    return list.map((v) => Object.assign(new KmsKeyVersion(), v));
  }

  @FieldResolver(() => String, { nullable: true, description: 'SPKI PEM; asymmetric keys only' })
  async publicKeyPem(@Root() key: KmsKey, @Arg('version', () => Int, { nullable: true }) version: number | null, @Ctx() ctx: RequestContext): Promise<string | null> {
    void ctx;
    return this.kms.publicKeyPem(key.record, version);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'ISO-8601 time of the last successful crypto operation with this key (encrypt, decrypt, reEncrypt, generateDataKey, the batches, sign, verify, generateMac, verifyMac), direct or on behalf of secrets; at most a minute stale; null if never used.',
  })
  async lastUsedAt(@Root() key: KmsKey, @Ctx() ctx: RequestContext): Promise<string | null> {
    const at = await lastUsedLoader(ctx, this.kms).load(key.identity);
    return at ? at.toISOString() : null;
  }

  @Mutation(() => KmsKey)
  async createKmsKey(@Arg('input', () => CreateKmsKeyInput) input: CreateKmsKeyInput, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.create_key', input.identity, () => this.kms.create(ctx.project, input));
  }

  @Mutation(() => KmsKey)
  async rotateKmsKey(@Arg('identity', () => String) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.rotate_key', identity, () => this.kms.rotate(ctx.project, identity));
  }

  @Mutation(() => KmsKey)
  async updateKmsKey(@Arg('input', () => UpdateKmsKeyInput) input: UpdateKmsKeyInput, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.update_key', input.identity, () =>
      this.kms.update(ctx.project, input.identity, {
        description: input.description,
        minDecryptionVersion: input.minDecryptionVersion,
        minEncryptionVersion: input.minEncryptionVersion,
        autoRotatePeriodDays: input.autoRotatePeriodDays,
      }),
    );
  }

  @Mutation(() => KmsKey)
  async disableKmsKey(
    @Arg('identity', () => String) identity: string,
    @Arg('ifUnusedSinceDays', () => Int, { nullable: true, description: UNUSED_SINCE_DAYS_DESCRIPTION }) ifUnusedSinceDays: number | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.disable_key', identity, () => this.kms.disable(ctx.project, identity, ifUnusedSinceDays));
  }

  @Mutation(() => KmsKey)
  async enableKmsKey(@Arg('identity', () => String) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.enable_key', identity, () => this.kms.enable(ctx.project, identity));
  }

  @Mutation(() => KmsKey)
  async scheduleKmsKeyDeletion(@Args(() => ScheduleDeletionArgs) { identity, pendingWindowDays, ifUnusedSinceDays }: ScheduleDeletionArgs, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    // `pendingWindowDays: Int = 30`: an explicit null means the default, like every defaulted argument.
    return this.lifecycle(ctx, 'kms.schedule_deletion', identity, () =>
      this.kms.scheduleDeletion(ctx.project, identity, pendingWindowDays ?? 30, ifUnusedSinceDays),
    );
  }

  @Mutation(() => KmsKey)
  async cancelKmsKeyDeletion(@Arg('identity', () => String) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.cancel_deletion', identity, () => this.kms.cancelDeletion(ctx.project, identity));
  }

  private async lifecycle(ctx: RequestContext, action: AuditAction, identity: string, op: () => Promise<KmsKeyRecord>): Promise<KmsKey> {
    const resource = keyResource(this.kms, identity);
    await guard(ctx, resource, 'kms:admin');
    const rec = await ctx.auditedChange(action, resource, async () => {
      const value = await op();
      return { value, keyVersion: value.latestVersion };
    });
    primeKey(ctx, this.kms, rec);
    return KmsKey.of(rec);
  }
}
