import { Arg, Args, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import type { KeyRingService } from '../domain/keyRingService';
import { KmsKeysArgs } from './types/args';
import { KmsKey, KmsKeyConnection, KmsKeyVersion, PageInfo } from './types/kmsKey';
import { guard, keyLoader, keyResource, lastUsedLoader, versionsLoader } from './kmsRequest';
import { KEY_IDENTITY_ARG } from './types/descriptions';

/** Reading keys: the kmsKey / kmsKeys queries and KmsKey's resolved fields (versions, publicKeyPem, lastUsedAt). */
@Resolver(() => KmsKey)
export class KmsKeyResolver {
  constructor(private readonly kms: KeyRingService) {}

  @Query(() => KmsKey, { nullable: true, description: "The key of that identity in the request's region (x-region), in any state; null if there is none. Needs kms:read; FEATURE_DISABLED when the project's kms gate is off." })
  async kmsKey(@Arg('identity', () => String, { description: KEY_IDENTITY_ARG }) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey | null> {
    const resource = keyResource(this.kms, identity);
    await guard(ctx, resource, 'kms:read');
    const rec = await keyLoader(ctx, this.kms).load(identity);
    return rec ? KmsKey.of(rec) : null;
  }

  @Query(() => KmsKeyConnection, { description: "The project's keys in the request's region, in identity order. Needs kms:read; BAD_USER_INPUT for a bad `first` or `after`." })
  async kmsKeys(@Args(() => KmsKeysArgs) { status, first, after }: KmsKeysArgs, @Ctx() ctx: RequestContext): Promise<KmsKeyConnection> {
    await guard(ctx, `kms-key:${this.kms.region}/*`, 'kms:read');
    // The position is a key identity; it leaves sealed for this listing, region, filter and caller.
    const cursor = ctx.pageCursor('kmsKeys', { region: this.kms.region, status: status ?? null });
    const page = await this.kms.list(ctx.project, status ?? null, first ?? 50, cursor.open(after));
    for (const rec of page.nodes) keyLoader(ctx, this.kms).prime(rec.identity, rec);
    const conn = new KmsKeyConnection();
    conn.nodes = page.nodes.map(KmsKey.of);
    conn.pageInfo = Object.assign(new PageInfo(), { endCursor: cursor.seal(page.endCursor), hasNextPage: page.hasNextPage });
    return conn;
  }

  // `last`, not `first`: the newest N of an oldest-first list (and not a connection's page size,
  // which the gateway's cost limit would multiply every selected key by).
  @FieldResolver(() => [KmsKeyVersion], { description: 'The newest `last` versions of the key ring (every version of a key with at most 1000), oldest first.' })
  async versions(
    @Root() key: KmsKey,
    @Arg('last', () => Int, { nullable: true, defaultValue: 1000, description: 'How many of the newest versions, 0 to 1000 (BAD_USER_INPUT otherwise); null: 1000.' }) last: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<KmsKeyVersion[]> {
    const n = this.kms.validateVersionsLast(last ?? 1000);
    const list = await versionsLoader(ctx, this.kms).load(key.identity);
    return list.slice(list.length - Math.min(n, list.length)).map((v) => Object.assign(new KmsKeyVersion(), v));
  }

  @FieldResolver(() => String, { nullable: true, description: 'Public key of a version as SPKI PEM: SIGN_VERIFY keys only, null for other keys or destroyed material.' })
  async publicKeyPem(@Root() key: KmsKey, @Arg('version', () => Int, { nullable: true, description: 'Version, 1 to latestVersion (NOT_FOUND otherwise); null: the latest.' }) version: number | null, @Ctx() ctx: RequestContext): Promise<string | null> {
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
}
