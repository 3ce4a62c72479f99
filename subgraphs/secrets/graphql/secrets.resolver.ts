import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import type { Secret as SecretRecord } from '../domain/secret';
import { guard, lastAccessedLoader, pageInfo, primeSecrets, secretLoader, secretResource, type SecretsDeps } from './secretsRequest';
import { KmsKey, Secret, SecretConnection, SecretVersion, SecretVersionConnection, type SecretVersionState } from './types';

/** Secret metadata: works whatever the bound key's state (seed, "Key state impact"). */
@Resolver(() => Secret)
export class SecretsResolver {
  constructor(private readonly deps: SecretsDeps) {}

  @Query(() => Secret, { nullable: true, description: 'null if absent (or in another project)' })
  async secret(@Arg('path', () => String) path: string, @Ctx() ctx: RequestContext): Promise<SecretRecord | null> {
    const r = secretResource(path);
    await guard(ctx, r.resource, { scopes: ['secrets:read'], path: r.path });
    return secretLoader(ctx, this.deps.store).load(r.path);
  }

  @Query(() => SecretConnection, { description: "Path order; a token's pathPrefixes filter the listing" })
  async secrets(
    @Arg('pathPrefix', () => String, { nullable: true }) pathPrefix: string | null,
    @Arg('region', () => String, { nullable: true }) region: string | null,
    @Arg('kmsKeyIdentity', () => String, { nullable: true }) kmsKeyIdentity: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<SecretConnection> {
    await guard(ctx, 'secret:*', { scopes: ['secrets:read'] });
    const page = await this.deps.manager.listSecrets(
      ctx.project,
      { pathPrefix, region, kmsKeyIdentity, first: first ?? 50, after: after ?? null },
      ctx.principal.pathPrefixes,
    );
    primeSecrets(ctx, this.deps.store, page.nodes);
    return connection(page);
  }

  @FieldResolver(() => KmsKey, { nullable: true, description: 'resolved by the kms subgraph of `region`' })
  kmsKey(@Root() secret: SecretRecord): KmsKey {
    // A federation reference: the gateway sends it to the KMS of that region.
    return Object.assign(new KmsKey(), { region: secret.region, identity: secret.kmsKeyIdentity });
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'ISO-8601 time of the last successful reveal of a value (getSecretValue / batchGetSecretValue); at most a minute stale; null if never revealed.',
  })
  async lastAccessedAt(@Root() secret: SecretRecord, @Ctx() ctx: RequestContext): Promise<string | null> {
    const at = await lastAccessedLoader(ctx, this.deps.access).load(secret);
    return at ? at.toISOString() : null;
  }

  @FieldResolver(() => SecretVersionConnection, { description: 'newest first' })
  async versions(
    @Root() secret: SecretRecord,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<SecretVersionConnection> {
    const page = await this.deps.manager.listVersions(ctx.project, secret.path, first ?? 20, after ?? null);
    const conn = new SecretVersionConnection();
    conn.nodes = page.nodes.map((v) => Object.assign(new SecretVersion(), { ...v, state: v.state as SecretVersionState }));
    conn.pageInfo = pageInfo(page);
    return conn;
  }
}

export function connection(page: { nodes: SecretRecord[]; endCursor: string | null; hasNextPage: boolean }): SecretConnection {
  const conn = new SecretConnection();
  conn.nodes = page.nodes as unknown as Secret[];
  conn.pageInfo = pageInfo(page);
  return conn;
}
