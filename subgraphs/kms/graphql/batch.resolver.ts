import { Args, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { optionalBinaryInput } from '../domain/base64';
import type { KeyRingService } from '../domain/keyRingService';
import { checkBatchSize, type BatchItemOutcome } from '../domain/operations/encrypt';
import { DecryptBatchArgs, EncryptBatchArgs } from './types/args';
import { BatchItemResult } from './types/results';
import { guard, keyResource, loadKey } from './kmsRequest';

/** A decryptBatch item as a plain object (BatchItemResult has simpleResolvers: graphql reads the properties). */
function toResult(o: BatchItemOutcome): BatchItemResult {
  return {
    index: o.index,
    ciphertext: o.ciphertext,
    plaintext: o.plaintext ? o.plaintext.toString('base64') : null,
    keyVersion: o.keyVersion,
    error: o.error,
  };
}

/**
 * Batch encrypt / decrypt: one key-state read and one audit event per call; items fail one by one
 * (bad base64, INVALID_CIPHERTEXT…) with their index, in the order given.
 */
@Resolver()
export class BatchResolver {
  constructor(private readonly kms: KeyRingService) {}

  @Mutation(() => [BatchItemResult], { description: 'Encrypts up to 1000 items with one key, one result per item in input order; an item fails on its own in `error`. Needs kms:encrypt; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT (more than 1000 items) fail the whole call.' })
  async encryptBatch(@Args(() => EncryptBatchArgs) { keyIdentity, items }: EncryptBatchArgs, @Ctx() ctx: RequestContext): Promise<BatchItemResult[]> {
    checkBatchSize(items.length);
    const resource = keyResource(this.kms, keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:encrypt');
    return ctx.audited('kms.encrypt', resource, async () => {
      const rec = await loadKey(ctx, this.kms, keyIdentity);
      const out = await this.kms.encryptBatch(rec, items, optionalBinaryInput);
      // The outcomes are already BatchItemResults (no plaintext to encode): no second object per item.
      return { keyVersion: out.find((o) => o.keyVersion !== null)?.keyVersion ?? null, value: out };
    });
  }

  @Mutation(() => [BatchItemResult], { description: 'Decrypts up to 1000 ciphertexts of one key, one result per item in input order; a bad ciphertext fails its item with INVALID_CIPHERTEXT. Needs kms:decrypt; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT fail the whole call.' })
  async decryptBatch(@Args(() => DecryptBatchArgs) args: DecryptBatchArgs, @Ctx() ctx: RequestContext): Promise<BatchItemResult[]> {
    return this.decryptBatchAs(args, ctx, toResult);
  }

  /**
   * decryptBatch with each item's outcome answered as `as` makes it: the GraphQL field's base64
   * (toResult), or the internal route's UTF-8 text straight from the plaintext's bytes (internalOps.ts).
   */
  async decryptBatchAs<T>({ keyIdentity, items }: DecryptBatchArgs, ctx: RequestContext, as: (o: BatchItemOutcome) => T): Promise<T[]> {
    checkBatchSize(items.length);
    const resource = keyResource(this.kms, keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:decrypt');
    return ctx.audited('kms.decrypt', resource, async () => {
      const rec = await loadKey(ctx, this.kms, keyIdentity);
      const out = await this.kms.decryptBatch(rec, items, optionalBinaryInput);
      const versions = new Set(out.filter((o) => o.keyVersion !== null).map((o) => o.keyVersion));
      // One event per batch; its keyVersion is set only when every item used the same version.
      return { keyVersion: versions.size === 1 ? [...versions][0] : null, value: out.map(as) };
    });
  }
}

/**
 * The batches as plain resolvers, in place of type-graphql's in the schema's resolver map. graphql
 * has already coerced the arguments to the declared shape, item by item (every `plaintext` a
 * string, no unknown field); type-graphql would copy each item once more into an instance of its
 * input class, which nothing here needs: about 4 % of the KMS CPU of a 1000-item encryptBatch.
 * Everything else (the scope checks of shared/fieldScopes.ts, the audit) is as for any resolver.
 */
export function plainBatchResolvers(batch: BatchResolver) {
  return {
    encryptBatch: (_root: unknown, args: EncryptBatchArgs, ctx: RequestContext) => batch.encryptBatch(args, ctx),
    decryptBatch: (_root: unknown, args: DecryptBatchArgs, ctx: RequestContext) => batch.decryptBatch(args, ctx),
  };
}
