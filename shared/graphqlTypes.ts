import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';

/**
 * Value types every subgraph returns. One class each, marked @shareable, so the supergraph sees
 * one identical definition whichever subgraph resolves it.
 */
@Directive('@shareable')
@ObjectType('PageInfo', { description: 'Where a page of a connection ends and whether more follow.' })
export class PageInfo {
  @Field(() => String, { nullable: true, description: 'Opaque cursor after the last node read: pass it unchanged as `after` to get the next page (only to the same listing, as the same caller). Null when there is nothing to continue from.' }) endCursor!: string | null;
  @Field(() => Boolean, { description: 'True when more nodes follow this page.' }) hasNextPage!: boolean;
}

/** A per-item failure inside a batch result: the code of API.md and a safe message. */
@Directive('@shareable')
@ObjectType('BatchItemError', { description: "Why one batch item failed; the other items are unaffected. The message never contains the item's data." })
export class BatchItemError {
  @Field(() => String, { description: 'Error code, as in `extensions.code` of a GraphQL error (e.g. BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, INVALID_CIPHERTEXT, KMS_KEY_NOT_ACTIVE).' }) code!: string;
  @Field(() => String, { description: 'Human-readable reason; carries no secret values.' }) message!: string;
}

/**
 * Descriptions of elements more than one subgraph defines (entity keys, root types): composition
 * needs one text for them, so each subgraph takes it from here.
 */
export const SHARED_DESCRIPTIONS = {
  Query:
    "Read operations. Each field names the scope it needs. Any field may also fail with UNAUTHENTICATED (no valid token), FORBIDDEN (scope or path prefix missing), FEATURE_DISABLED (project gate off) or STORE_UNAVAILABLE; KMS fields act in the request's region (x-region) and fail with REGION_UNAVAILABLE when it has no reachable KMS.",
  Mutation:
    "State changes and cryptographic operations; each is audited before its result is returned. Each field names the scope it needs. Any field may also fail with UNAUTHENTICATED, FORBIDDEN, FEATURE_DISABLED or STORE_UNAVAILABLE; KMS fields act in the request's region (x-region) and fail with REGION_UNAVAILABLE when it has no reachable KMS.",
  KmsKey:
    "A KMS key of one region: a ring of key versions (material wrapped under the region's root key), its type, state and rotation settings. Identified by region and identity.",
  'KmsKey.region': "Region the key lives in (e.g. `us-east-1`); its material never leaves that region's KMS.",
  'KmsKey.identity': 'Name of the key, unique per project and region: `^[a-z0-9][a-z0-9-]{0,62}$` (1 to 63 characters).',
  'KmsKey.status': 'Lifecycle state; only ACTIVE keys perform cryptographic operations.',
} as const;

/**
 * KmsKey.status's enum: the kms subgraph resolves it, the secrets subgraph provides it on
 * Secret.kmsKey (@provides), so both define it, from here, identically.
 */
export const KeyStatusEnum = { ACTIVE: 'ACTIVE', DISABLED: 'DISABLED', PENDING_DELETION: 'PENDING_DELETION' } as const;
registerEnumType(KeyStatusEnum, {
  name: 'KeyStatus',
  description: 'Lifecycle state of a KMS key. Only an ACTIVE key performs cryptographic operations; metadata reads work in every state.',
  valuesConfig: {
    ACTIVE: { description: 'Usable for every operation of its purpose.' },
    DISABLED: { description: 'Refuses cryptographic operations with KMS_KEY_NOT_ACTIVE until enabled again; nothing is lost.' },
    PENDING_DELETION: { description: 'Refuses cryptographic operations (KMS_KEY_NOT_ACTIVE); its material is destroyed for good at `deletionDate` unless the deletion is cancelled first.' },
  },
});
