import { Directive, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BatchItemError, PageInfo } from '../../../shared/graphqlTypes';

export { BatchItemError, PageInfo };

export enum SecretVersionState {
  ENABLED = 'ENABLED',
  DELETED = 'DELETED',
  DESTROYED = 'DESTROYED',
}
registerEnumType(SecretVersionState, { name: 'SecretVersionState' });

@ObjectType()
export class Tag {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
}

@InputType()
export class TagInput {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
}

@ObjectType()
export class SecretVersion {
  @Field(() => Int) version!: number;
  @Field(() => String) createdAt!: string;
  @Field(() => SecretVersionState) state!: SecretVersionState;
  @Field(() => Int, { description: 'Version of the bound KMS key that encrypted this value' }) kmsKeyVersion!: number;
}

@ObjectType()
export class SecretVersionConnection {
  @Field(() => [SecretVersion]) nodes!: SecretVersion[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

/**
 * The KMS key as the secrets subgraph knows it: a reference the kms subgraph of `region` resolves.
 * This subgraph adds the reverse edge (boundSecrets, boundSecretCount; see kmsKey.resolver.ts).
 */
@Directive('@key(fields: "region identity")')
@ObjectType()
export class KmsKey {
  @Field(() => String) region!: string;
  @Field(() => String) identity!: string;
}

@Directive('@key(fields: "path")')
@ObjectType()
export class Secret {
  @Field(() => String) path!: string;
  @Field(() => String) region!: string;
  @Field(() => String) kmsKeyIdentity!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [Tag]) tags!: Tag[];
  @Field(() => String) createdAt!: string;
  @Field(() => String) updatedAt!: string;
  @Field(() => Int, { nullable: true, description: 'null until the first value' }) currentVersion!: number | null;
  @Field(() => Int) maxVersions!: number;
}

@ObjectType()
export class SecretConnection {
  @Field(() => [Secret]) nodes!: Secret[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class SecretValue {
  @Field(() => String) path!: string;
  @Field(() => Int) version!: number;
  @Field(() => String) value!: string;
  @Field(() => String) createdAt!: string;
}

@ObjectType()
export class BatchSecretValueResult {
  @Field(() => String) path!: string;
  @Field(() => String, { nullable: true }) value!: string | null;
  @Field(() => Int, { nullable: true }) version!: number | null;
  @Field(() => BatchItemError, { nullable: true }) error!: BatchItemError | null;
}

@InputType()
export class CreateSecretInput {
  @Field(() => String) path!: string;
  @Field(() => String) kmsKeyIdentity!: string;
  @Field(() => String, { nullable: true, description: "defaults to the request's region" }) region?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
  @Field(() => Int, { nullable: true, description: 'default 100' }) maxVersions?: number | null;
  @Field(() => String, { nullable: true, description: 'optional first value (UTF-8, ≤ 64 KiB)' }) value?: string | null;
}

@InputType()
export class PutSecretValueInput {
  @Field(() => String) path!: string;
  @Field(() => String) value!: string;
  @Field(() => Int, { nullable: true, description: 'compare-and-set: 0 means "no value yet"' }) expectedVersion?: number | null;
}

@InputType()
export class UpdateSecretInput {
  @Field(() => String) path!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
  @Field(() => Int, { nullable: true }) maxVersions?: number | null;
  @Field(() => String, { nullable: true, description: 'immutable: a different value fails with IMMUTABLE_FIELD' }) kmsKeyIdentity?: string | null;
}
