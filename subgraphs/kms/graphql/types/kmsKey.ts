import { Directive, Field, Int, ObjectType } from 'type-graphql';
import type { KmsKeyRecord } from '../../domain/keyRing';
import type { KeyPurpose, KeyStatus, KeyType } from '../../domain/keyTypes';
import { KeyPurposeEnum, KeyStatusEnum, KeyTypeEnum } from './enums';
import { PageInfo, SHARED_DESCRIPTIONS } from '../../../../shared/graphqlTypes';

export { PageInfo };

@ObjectType('KmsKeyVersion', { description: 'One version of a key ring. Versions are numbered from 1; a rotation adds the next one.' })
export class KmsKeyVersion {
  @Field(() => Int, { description: "Version number, from 1 up to the key's latestVersion." }) version!: number;
  @Field(() => String, { description: 'When the version was created (ISO-8601, UTC).' }) createdAt!: string;
}

@ObjectType('KmsKey', { description: SHARED_DESCRIPTIONS.KmsKey })
@Directive('@key(fields: "region identity")')
export class KmsKey {
  @Field(() => String, { description: SHARED_DESCRIPTIONS['KmsKey.region'] }) region!: string;
  @Field(() => String, { description: SHARED_DESCRIPTIONS['KmsKey.identity'] }) identity!: string;
  @Field(() => KeyTypeEnum, { description: 'Algorithm, fixed at creation.' }) type!: KeyType;
  @Field(() => KeyPurposeEnum, { description: 'What the key can do; follows from its type.' }) purpose!: KeyPurpose;
  // Shareable: the secrets subgraph provides it on Secret.kmsKey (read live from this KMS).
  @Directive('@shareable')
  @Field(() => KeyStatusEnum, { description: SHARED_DESCRIPTIONS['KmsKey.status'] }) status!: KeyStatus;
  @Field(() => String, { nullable: true, description: 'Free text (at most 1024 characters); null when none was set.' }) description!: string | null;
  @Field(() => Boolean, { description: 'Whether exportKmsKey may return the key material; fixed at creation.' }) exportable!: boolean;
  @Field(() => String, { description: 'When the key was created (ISO-8601, UTC).' }) createdAt!: string;
  @Field(() => Int, { description: 'Highest version number (1 at creation, +1 per rotation).' }) latestVersion!: number;
  @Field(() => Int, { description: 'Lowest version still accepted for decrypt, verify and verifyMac (1 ≤ n ≤ latestVersion); older ciphertexts fail with INVALID_CIPHERTEXT, older signatures and MACs verify as false.' }) minDecryptionVersion!: number;
  @Field(() => Int, { description: 'Version new ciphertexts, signatures and MACs use when the caller names none; 0 means the latest version.' }) minEncryptionVersion!: number;
  @Field(() => Int, { nullable: true, description: 'Days between automatic rotations (1 to 3650); null when the key is rotated only by hand.' }) autoRotatePeriodDays!: number | null;
  @Field(() => String, { nullable: true, description: 'When the material will be destroyed (ISO-8601, UTC); set only while PENDING_DELETION, null otherwise.' }) deletionDate!: string | null;

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

@ObjectType('KmsKeyConnection', { description: 'A page of KMS keys, in identity order.' })
export class KmsKeyConnection {
  @Field(() => [KmsKey], { description: 'The keys of this page (at most `first`).' }) nodes!: KmsKey[];
  @Field(() => PageInfo, { description: 'Cursor and whether more keys follow.' }) pageInfo!: PageInfo;
}
