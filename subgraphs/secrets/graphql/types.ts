import { Directive, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BatchItemError, KeyStatusEnum, PageInfo, SHARED_DESCRIPTIONS } from '../../../shared/graphqlTypes';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../../../shared/idempotency';

export { BatchItemError, PageInfo };

export enum SecretVersionState {
  ENABLED = 'ENABLED',
  DELETED = 'DELETED',
  DESTROYED = 'DESTROYED',
}
registerEnumType(SecretVersionState, {
  name: 'SecretVersionState',
  description: 'State of one secret version: ENABLED → DELETED (reversible) → DESTROYED (final).',
  valuesConfig: {
    ENABLED: { description: 'Readable with getSecretValue.' },
    DELETED: { description: 'Soft-deleted: reads fail with NOT_FOUND; undeleteSecretVersions makes it ENABLED again.' },
    DESTROYED: { description: 'Its ciphertext is erased for good: reads fail with NOT_FOUND and it cannot be undeleted.' },
  },
});

@ObjectType({ description: 'A key/value label on a secret.' })
export class Tag {
  @Field(() => String, { description: 'Tag key, unique within the secret (1 to 128 characters).' }) key!: string;
  @Field(() => String, { description: 'Tag value (at most 256 characters).' }) value!: string;
}

@InputType({ description: 'A key/value label for a secret. At most 50 per secret, keys unique; no control characters (BAD_USER_INPUT otherwise).' })
export class TagInput {
  @Field(() => String, { description: 'Tag key: 1 to 128 characters.' }) key!: string;
  @Field(() => String, { description: 'Tag value: at most 256 characters (may be empty).' }) value!: string;
}

@ObjectType({ description: 'One stored value of a secret (the value itself is read with getSecretValue).' })
export class SecretVersion {
  @Field(() => Int, { description: 'Version number: 1 for the first value, +1 per put; never reused.' }) version!: number;
  @Field(() => String, { description: 'When the value was written (ISO-8601, UTC).' }) createdAt!: string;
  @Field(() => SecretVersionState, { description: 'ENABLED, DELETED or DESTROYED.' }) state!: SecretVersionState;
  @Field(() => Int, { description: 'Version of the bound KMS key that encrypted this value.' }) kmsKeyVersion!: number;
}

@ObjectType({ description: 'A page of secret versions, newest first.' })
export class SecretVersionConnection {
  @Field(() => [SecretVersion], { description: 'The versions of this page (at most `first`).' }) nodes!: SecretVersion[];
  @Field(() => PageInfo, { description: 'Cursor and whether more versions follow.' }) pageInfo!: PageInfo;
}

/**
 * The KMS key as the secrets subgraph knows it: a reference the kms subgraph of `region` resolves.
 * This subgraph adds the reverse edge (boundSecrets, boundSecretCount; see kmsKeyBoundSecrets.resolver.ts),
 * and provides `status` on Secret.kmsKey (read live from that KMS, see secret.resolver.ts).
 */
@Directive('@key(fields: "region identity")')
@ObjectType({ description: SHARED_DESCRIPTIONS.KmsKey })
export class KmsKey {
  @Field(() => String, { description: SHARED_DESCRIPTIONS['KmsKey.region'] }) region!: string;
  @Field(() => String, { description: SHARED_DESCRIPTIONS['KmsKey.identity'] }) identity!: string;
  @Directive('@external')
  @Field(() => KeyStatusEnum, { description: SHARED_DESCRIPTIONS['KmsKey.status'] }) status?: string;
}

@Directive('@key(fields: "path")')
@ObjectType({ description: "A secret: a path-addressed, versioned value encrypted with one KMS key of its region. This is metadata; it reads whatever the key's state." })
export class Secret {
  @Field(() => String, { description: 'Path of the secret, unique per project: `^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment.' }) path!: string;
  @Field(() => String, { description: 'Region whose KMS encrypts the values; fixed at creation.' }) region!: string;
  @Field(() => String, { description: 'Identity of the bound KMS key in `region`; fixed at creation.' }) kmsKeyIdentity!: string;
  @Field(() => String, { nullable: true, description: 'Free text (at most 1024 characters); null when none was set.' }) description!: string | null;
  @Field(() => [Tag], { description: 'Labels, in the order given (empty when none).' }) tags!: Tag[];
  @Field(() => String, { description: 'When the secret was created (ISO-8601, UTC).' }) createdAt!: string;
  @Field(() => String, { description: 'When the metadata or a version last changed (ISO-8601, UTC).' }) updatedAt!: string;
  @Field(() => Int, { nullable: true, description: 'Highest version written (it does not move back when that version is deleted); null until the first value.' }) currentVersion!: number | null;
  @Field(() => Int, { description: 'How many versions that still hold a value are kept (1 to 1000, default 100); beyond that the oldest are destroyed.' }) maxVersions!: number;
}

@ObjectType({ description: 'A page of secrets, in path order.' })
export class SecretConnection {
  @Field(() => [Secret], { description: 'The secrets of this page (at most `first`).' }) nodes!: Secret[];
  @Field(() => PageInfo, { description: 'Cursor and whether more secrets follow.' }) pageInfo!: PageInfo;
}

@ObjectType({ description: 'A revealed secret value.' })
export class SecretValue {
  @Field(() => String, { description: 'Path of the secret.' }) path!: string;
  @Field(() => Int, { description: 'Version that was read.' }) version!: number;
  @Field(() => String, { description: 'The value, as the UTF-8 string that was put (not base64).' }) value!: string;
  @Field(() => String, { description: 'When this version was written (ISO-8601, UTC).' }) createdAt!: string;
}

/** simpleResolvers: graphql's default property read per field, no type-graphql wrapper (100 items × 4 fields per batch). */
@ObjectType({ description: 'Outcome of one path of batchGetSecretValue, in input order: either its value or its error.', simpleResolvers: true })
export class BatchSecretValueResult {
  @Field(() => String, { description: 'The path as given.' }) path!: string;
  @Field(() => String, { nullable: true, description: 'The current value (UTF-8 string); null when this item failed.' }) value!: string | null;
  @Field(() => Int, { nullable: true, description: 'Version that was read; null when this item failed.' }) version!: number | null;
  @Field(() => BatchItemError, { nullable: true, description: "Why this item failed (BAD_USER_INPUT path, FORBIDDEN outside the token's pathPrefixes, NOT_FOUND, KMS_KEY_NOT_ACTIVE, REGION_UNAVAILABLE…); null on success." }) error!: BatchItemError | null;
}

@InputType({ description: 'A new secret and, optionally, its first value.' })
export class CreateSecretInput {
  @Field(() => String, { description: 'Path of the new secret: `^[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*$`, at most 512 characters, no `.` or `..` segment (BAD_USER_INPUT otherwise); ALREADY_EXISTS when taken.' }) path!: string;
  @Field(() => String, { description: 'Identity of an ACTIVE symmetric encryption key in `region` (`^[a-z0-9][a-z0-9-]{0,62}$`); bound for good.' }) kmsKeyIdentity!: string;
  @Field(() => String, { nullable: true, description: "Region of the secret, one the deployment knows (BAD_USER_INPUT otherwise); null: the request's region." }) region?: string | null;
  @Field(() => String, { nullable: true, description: 'Free text, at most 1024 characters.' }) description?: string | null;
  @Field(() => [TagInput], { nullable: true, description: 'Up to 50 labels with unique keys; null: none.' }) tags?: TagInput[] | null;
  @Field(() => Int, { nullable: true, description: 'Versions to keep, 1 to 1000; null means 100.' }) maxVersions?: number | null;
  @Field(() => String, { nullable: true, description: 'Optional first value (version 1): a UTF-8 string of at most 64 KiB.' }) value?: string | null;
  @Field(() => String, { nullable: true, description: `${IDEMPOTENCY_KEY_DESCRIPTION} Scoped to the project; a retry gets the secret, never a second one.` }) idempotencyKey?: string | null;
}

@InputType({ description: 'A new value for an existing secret.' })
export class PutSecretValueInput {
  @Field(() => String, { description: 'Path of the secret (NOT_FOUND if absent).' }) path!: string;
  @Field(() => String, { description: 'The value: a UTF-8 string of at most 64 KiB, counted in bytes (BAD_USER_INPUT otherwise).' }) value!: string;
  @Field(() => Int, { nullable: true, description: 'Compare-and-set: the write happens only if currentVersion equals this (0 means "no value yet"), else VERSION_CONFLICT. Null: no check.' }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true, description: `${IDEMPOTENCY_KEY_DESCRIPTION} Scoped to the project; a retry gets the first SecretVersion, never a second version.` }) idempotencyKey?: string | null;
}

@InputType({ description: 'Metadata to change on a secret; an omitted field keeps its value.' })
export class UpdateSecretInput {
  @Field(() => String, { description: 'Path of the secret (NOT_FOUND if absent).' }) path!: string;
  @Field(() => String, { nullable: true, description: 'New description, at most 1024 characters; an explicit null clears it.' }) description?: string | null;
  @Field(() => [TagInput], { nullable: true, description: 'Replaces every tag (up to 50); null keeps them.' }) tags?: TagInput[] | null;
  @Field(() => Int, { nullable: true, description: 'Versions to keep, 1 to 1000; null keeps the setting.' }) maxVersions?: number | null;
  @Field(() => String, { nullable: true, description: 'Immutable: may only repeat the bound key; a different identity fails with IMMUTABLE_FIELD (extensions.field).' }) kmsKeyIdentity?: string | null;
}
