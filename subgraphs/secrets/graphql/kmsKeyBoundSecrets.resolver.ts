import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { badInput } from '../../../shared/errors';
import { validateFirst } from '../domain/secretInput';
import { secretConnection } from './connections';
import { accessedCountLoader, accessedPageLoader, boundCountLoader, boundPageLoader, primeSecrets } from './secretLoaders';
import { guard, parseAccessedSince, type SecretsDeps } from './secretsRequest';
import { KmsKey, SecretConnection } from './types';

const ACCESSED_SINCE_DESCRIPTION =
  'Only secrets whose value was revealed (getSecretValue / batchGetSecretValue) at or after this time: an ISO-8601 date-time with a time zone (e.g. 2025-01-31T12:00:00Z) or a date (UTC midnight); anything else is BAD_USER_INPUT. Reveal times are at most a minute stale. Omitted: every bound secret.';

/**
 * The reverse edge of the key binding ("which secrets use this key?"): fields this subgraph adds
 * to the kms subgraph's KmsKey. Batched per request, so a page of keys costs a constant number of
 * Redis round trips. A token confined by pathPrefixes sees (and counts) only its own paths.
 */
@Resolver(() => KmsKey)
export class KmsKeyBoundSecretsResolver {
  constructor(private readonly deps: SecretsDeps) {}

  @FieldResolver(() => SecretConnection, { description: "Secrets bound to this key, in path order (only those within a confined token's pathPrefixes). Needs secrets:read." })
  async boundSecrets(
    @Root() key: KmsKey,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size: 0 to 200 (BAD_USER_INPUT otherwise); null means 50.' }) firstArg: number | null,
    @Arg('after', () => String, { nullable: true, description: '`pageInfo.endCursor` of the previous page; null: from the start. An invalid cursor is BAD_USER_INPUT.' }) afterArg: string | null | undefined,
    @Arg('accessedSince', () => String, { nullable: true, description: ACCESSED_SINCE_DESCRIPTION }) accessedSince: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<SecretConnection> {
    await guardOnce(ctx);
    const first = validateFirst(firstArg, 200, 50);
    // An omitted nullable argument arrives as undefined.
    if (afterArg !== undefined && afterArg !== null && typeof afterArg !== 'string') throw badInput('after must be a string', { field: 'after' });
    const sinceMs = parseAccessedSince(accessedSince);
    const cursor = ctx.pageCursor('KmsKey.boundSecrets', { region: key.region, identity: key.identity, accessedSince: sinceMs });
    const ref = { region: key.region, identity: key.identity, first, after: cursor.open(afterArg) };
    const page = sinceMs !== null
      ? await accessedPageLoader(ctx, this.deps.bindings).load({ ...ref, sinceMs })
      : await boundPageLoader(ctx, this.deps.bindings).load(ref);
    primeSecrets(ctx, this.deps.manager, page.nodes);
    return secretConnection(page, cursor);
  }

  @FieldResolver(() => Int, { description: "How many secrets are bound to this key (counting only those within a confined token's pathPrefixes; with accessedSince, only those revealed since). Needs secrets:read." })
  async boundSecretCount(
    @Root() key: KmsKey,
    @Arg('accessedSince', () => String, { nullable: true, description: ACCESSED_SINCE_DESCRIPTION }) accessedSince: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<number> {
    await guardOnce(ctx);
    const sinceMs = parseAccessedSince(accessedSince);
    const ref = { region: key.region, identity: key.identity };
    if (sinceMs !== null) return accessedCountLoader(ctx, this.deps.bindings, sinceMs).load(ref);
    return boundCountLoader(ctx, this.deps.bindings).load(ref);
  }
}

/** One gate/scope check per request (and at most one auth.denied), however many keys. */
function guardOnce(ctx: RequestContext): Promise<void> {
  return ctx.loader('kmsKeyBindingsGuard', () => guard(ctx, 'secret:*', { scopes: ['secrets:read'] }));
}
