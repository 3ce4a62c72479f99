import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import type { SecretMeta } from '../domain/secret';
import { nodesReadOnlyIdentity, nodesSelect, pageInfo, secretConnection, toSecretVersion } from './connections';
import { prefetchKeyStatuses, secretKmsKey } from './secretKmsKey';
import { lastAccessedLoader, primeSecrets, secretLoader } from './secretLoaders';
import { guard, secretResource, type SecretsDeps } from './secretsRequest';
import { KmsKey, Secret, SecretConnection, SecretVersionConnection } from './types';

/** Secret metadata (queries and fields): works whatever the bound key's state (seed, "Key state impact"). */
@Resolver(() => Secret)
export class SecretResolver {
  constructor(private readonly deps: SecretsDeps) {}

  @Query(() => Secret, { nullable: true, description: "The secret's metadata, whatever its key's state; null if there is none in the caller's project. Needs secrets:read; FORBIDDEN outside the token's pathPrefixes, BAD_USER_INPUT for a bad path." })
  async secret(@Arg('path', () => String, { description: 'Path of the secret (`^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment; BAD_USER_INPUT otherwise).' }) path: string, @Ctx() ctx: RequestContext): Promise<SecretMeta | null> {
    const r = secretResource(path);
    await guard(ctx, r.resource, { scopes: ['secrets:read'], path: r.path });
    return secretLoader(ctx, this.deps.manager).load(r.path);
  }

  @Query(() => SecretConnection, { description: "The project's secrets in path order, filtered by the arguments and by a confined token's pathPrefixes. Needs secrets:read; BAD_USER_INPUT for bad arguments." })
  async secrets(
    @Arg('pathPrefix', () => String, { nullable: true, description: 'Only paths starting with this string (path characters only, at most 512); null: every path.' }) pathPrefix: string | null,
    @Arg('region', () => String, { nullable: true, description: 'Only secrets of this region (a known region, BAD_USER_INPUT otherwise); null: every region.' }) region: string | null,
    @Arg('kmsKeyIdentity', () => String, { nullable: true, description: 'Only secrets bound to the key of this identity (`^[a-z0-9][a-z0-9-]{0,62}$`); null: any key.' }) kmsKeyIdentity: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size: 0 to 200 (BAD_USER_INPUT otherwise); null means 50.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: '`pageInfo.endCursor` of the previous page; null: from the start. An invalid cursor is BAD_USER_INPUT.' }) after: string | null,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SecretConnection> {
    await guard(ctx, 'secret:*', { scopes: ['secrets:read'] });
    const cursor = ctx.pageCursor('secrets', { pathPrefix, region, kmsKeyIdentity });
    // A page that lists only paths and keys reads only those (about 40% of the Redis work per node).
    const identityOnly = nodesReadOnlyIdentity(info);
    const page = await this.deps.manager.listSecrets(
      ctx.project,
      { pathPrefix, region, kmsKeyIdentity, first: first ?? 50, after: cursor.open(after), identityOnly },
      ctx.principal.pathPrefixes,
    );
    // Placeholders must never answer a later lookup of the same secret in this request.
    if (!identityOnly) primeSecrets(ctx, this.deps.manager, page.nodes);
    if (nodesSelect(info, 'kmsKey', 'status')) await prefetchKeyStatuses(ctx, this.deps, page.nodes);
    return secretConnection(page, cursor);
  }

  // `status` (what a console lists on a page of secrets) comes with this fetch: no `_entities` fetch
  // to the regional KMS subgraphs when nothing else of the key is selected.
  @Directive('@provides(fields: "status")')
  @FieldResolver(() => KmsKey, { nullable: true, description: "The bound key, read from the KMS of the secret's region (needs kms:read); null if it no longer exists. REGION_UNAVAILABLE when that KMS is down." })
  kmsKey(@Root() secret: SecretMeta, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    // Served by plainSecretKmsKey (server.ts); the same function.
    return secretKmsKey(this.deps, secret, ctx, info);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'ISO-8601 time of the last successful reveal of a value (getSecretValue / batchGetSecretValue); at most a minute stale; null if never revealed.',
  })
  async lastAccessedAt(@Root() secret: SecretMeta, @Ctx() ctx: RequestContext): Promise<string | null> {
    const at = await lastAccessedLoader(ctx, this.deps.access).load(secret);
    return at ? at.toISOString() : null;
  }

  @FieldResolver(() => SecretVersionConnection, { description: "The secret's versions, newest first, in every state." })
  async versions(
    @Root() secret: SecretMeta,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size: 0 to 100 (BAD_USER_INPUT otherwise); null means 20.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: '`pageInfo.endCursor` of the previous page; null: from the start. An invalid cursor is BAD_USER_INPUT.' }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<SecretVersionConnection> {
    const cursor = ctx.pageCursor('Secret.versions', { path: secret.path });
    const page = await this.deps.manager.listVersions(ctx.project, secret.path, first ?? 20, cursor.open(after));
    const conn = new SecretVersionConnection();
    conn.nodes = page.nodes.map(toSecretVersion);
    conn.pageInfo = pageInfo(page, cursor);
    return conn;
  }
}
