import { Field, Int, ObjectType } from 'type-graphql';
import { BatchItemError } from '../../../../shared/graphqlTypes';

export { BatchItemError };

@ObjectType('EncryptResult')
export class EncryptResult {
  @Field(() => String) keyIdentity!: string;
  @Field(() => Int) keyVersion!: number;
  @Field(() => String) ciphertext!: string;
}

@ObjectType('DecryptResult')
export class DecryptResult {
  @Field(() => String) keyIdentity!: string;
  @Field(() => Int) keyVersion!: number;
  @Field(() => String, { description: 'base64' }) plaintext!: string;
}

@ObjectType('DataKey')
export class DataKey {
  @Field(() => String, { description: 'base64' }) plaintext!: string;
  @Field(() => String) ciphertext!: string;
  @Field(() => Int) keyVersion!: number;
}

@ObjectType('BatchItemResult')
export class BatchItemResult {
  @Field(() => Int) index!: number;
  @Field(() => String, { nullable: true }) ciphertext!: string | null;
  @Field(() => String, { nullable: true }) plaintext!: string | null;
  @Field(() => Int, { nullable: true }) keyVersion!: number | null;
  @Field(() => BatchItemError, { nullable: true }) error!: BatchItemError | null;
}

@ObjectType('SignResult')
export class SignResult {
  @Field(() => String) signature!: string;
  @Field(() => Int) keyVersion!: number;
}

@ObjectType('VerifyResult')
export class VerifyResult {
  @Field(() => Boolean) valid!: boolean;
}

@ObjectType('MacResult')
export class MacResult {
  @Field(() => String) mac!: string;
  @Field(() => Int) keyVersion!: number;
}

@ObjectType('ExportedKey')
export class ExportedKey {
  @Field(() => Int) version!: number;
  @Field(() => String, { description: 'base64: raw bytes (symmetric, HMAC) or PKCS8 DER (asymmetric)' }) keyMaterial!: string;
}
