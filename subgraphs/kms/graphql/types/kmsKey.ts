import { Directive, Field, Int, ObjectType } from 'type-graphql';
import type { KmsKeyRecord } from '../../domain/keyRing';
import type { KeyPurpose, KeyStatus, KeyType } from '../../domain/keyTypes';
import { KeyPurposeEnum, KeyStatusEnum, KeyTypeEnum } from './enums';
import { PageInfo } from '../../../../shared/graphqlTypes';

export { PageInfo };

@ObjectType('KmsKeyVersion')
export class KmsKeyVersion {
  @Field(() => Int) version!: number;
  @Field(() => String) createdAt!: string;
}

@ObjectType('KmsKey')
@Directive('@key(fields: "region identity")')
export class KmsKey {
  @Field(() => String) region!: string;
  @Field(() => String) identity!: string;
  @Field(() => KeyTypeEnum) type!: KeyType;
  @Field(() => KeyPurposeEnum) purpose!: KeyPurpose;
  @Field(() => KeyStatusEnum) status!: KeyStatus;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Boolean) exportable!: boolean;
  @Field(() => String) createdAt!: string;
  @Field(() => Int) latestVersion!: number;
  @Field(() => Int) minDecryptionVersion!: number;
  @Field(() => Int, { description: '0 = latest' }) minEncryptionVersion!: number;
  @Field(() => Int, { nullable: true }) autoRotatePeriodDays!: number | null;
  @Field(() => String, { nullable: true, description: 'Set while PENDING_DELETION' }) deletionDate!: string | null;

  /** Not a field: the record behind this object (project, material state) for field resolvers. */
  record!: KmsKeyRecord;

  static of(rec: KmsKeyRecord): KmsKey {
    const k = new KmsKey();
    k.region = rec.region;
    k.identity = rec.identity;
    k.type = rec.type;
    k.purpose = rec.purpose;
    k.status = rec.status;
    k.description = rec.description;
    k.exportable = rec.exportable;
    k.createdAt = rec.createdAt;
    k.latestVersion = rec.latestVersion;
    k.minDecryptionVersion = rec.minDecryptionVersion;
    k.minEncryptionVersion = rec.minEncryptionVersion;
    k.autoRotatePeriodDays = rec.autoRotatePeriodDays;
    k.deletionDate = rec.deletionDate;
    k.record = rec;
    return k;
  }
}

@ObjectType('KmsKeyConnection')
export class KmsKeyConnection {
  @Field(() => [KmsKey]) nodes!: KmsKey[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
