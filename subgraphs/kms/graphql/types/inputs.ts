import { Field, InputType, Int } from 'type-graphql';
import type { KeyType } from '../../domain/keyTypes';
import { KeyTypeEnum } from './enums';

@InputType('CreateKmsKeyInput')
export class CreateKmsKeyInput {
  @Field(() => String) identity!: string;
  @Field(() => KeyTypeEnum) type!: KeyType;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Boolean, { nullable: true, defaultValue: false }) exportable?: boolean | null;
  @Field(() => Int, { nullable: true }) autoRotatePeriodDays?: number | null;
}

@InputType('UpdateKmsKeyInput')
export class UpdateKmsKeyInput {
  @Field(() => String) identity!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Int, { nullable: true }) minDecryptionVersion?: number | null;
  @Field(() => Int, { nullable: true }) minEncryptionVersion?: number | null;
  @Field(() => Int, { nullable: true }) autoRotatePeriodDays?: number | null;
}

@InputType('EncryptInput')
export class EncryptInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => String, { description: 'base64, at most 64 KiB decoded' }) plaintext!: string;
  @Field(() => String, { nullable: true }) associatedData?: string | null;
  @Field(() => Int, { nullable: true }) keyVersion?: number | null;
}

@InputType('DecryptInput')
export class DecryptInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => String) ciphertext!: string;
  @Field(() => String, { nullable: true }) associatedData?: string | null;
}

@InputType('ReEncryptInput')
export class ReEncryptInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => String) ciphertext!: string;
  @Field(() => String, { nullable: true }) associatedData?: string | null;
}

@InputType('GenerateDataKeyInput')
export class GenerateDataKeyInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => Int, { nullable: true, defaultValue: 256 }) bits?: number | null;
  @Field(() => String, { nullable: true }) associatedData?: string | null;
}

@InputType('EncryptBatchItemInput')
export class EncryptBatchItemInput {
  @Field(() => String) plaintext!: string;
  @Field(() => String, { nullable: true }) associatedData?: string | null;
}

@InputType('DecryptBatchItemInput')
export class DecryptBatchItemInput {
  @Field(() => String) ciphertext!: string;
  @Field(() => String, { nullable: true }) associatedData?: string | null;
}

@InputType('SignInput')
export class SignInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => String) message!: string;
  @Field(() => Int, { nullable: true }) keyVersion?: number | null;
}

@InputType('VerifyInput')
export class VerifyInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => String) message!: string;
  @Field(() => String) signature!: string;
}

@InputType('GenerateMacInput')
export class GenerateMacInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => String) message!: string;
  @Field(() => Int, { nullable: true }) keyVersion?: number | null;
}

@InputType('VerifyMacInput')
export class VerifyMacInput {
  @Field(() => String) keyIdentity!: string;
  @Field(() => String) message!: string;
  @Field(() => String) mac!: string;
}
