import { IDEMPOTENCY_KEY_DESCRIPTION } from '../../../../shared/idempotency';
import { Field, InputType, Int } from 'type-graphql';
import type { KeyType } from '../../domain/keyTypes';
import { KeyTypeEnum } from './enums';
import { KEY_IDENTITY_INPUT } from './descriptions';

@InputType('CreateKmsKeyInput', { description: "A new KMS key in the request's region." })
export class CreateKmsKeyInput {
  @Field(() => String, { description: 'Name of the new key: `^[a-z0-9][a-z0-9-]{0,62}$`, unique per project and region (ALREADY_EXISTS otherwise).' }) identity!: string;
  @Field(() => KeyTypeEnum, { description: 'Algorithm; decides the purpose and never changes.' }) type!: KeyType;
  @Field(() => String, { nullable: true, description: 'Free text, at most 1024 characters.' }) description?: string | null;
  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "Whether exportKmsKey may ever return the material; fixed for the key's life. Null means false." }) exportable?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'Rotate automatically every this many days (1 to 3650); null or 0: no automatic rotation.' }) autoRotatePeriodDays?: number | null;
  @Field(() => String, { nullable: true, description: `${IDEMPOTENCY_KEY_DESCRIPTION} Scoped to the project and region; a retry gets the key instead of ALREADY_EXISTS.` }) idempotencyKey?: string | null;
}

@InputType('UpdateKmsKeyInput', { description: 'Settings to change on an existing key; an omitted field keeps its value.' })
export class UpdateKmsKeyInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) identity!: string;
  @Field(() => String, { nullable: true, description: 'New description, at most 1024 characters; an explicit null clears it.' }) description?: string | null;
  @Field(() => Int, { nullable: true, description: 'Lowest version accepted for decrypt and verification: 1 to latestVersion, and not above a non-zero minEncryptionVersion (BAD_USER_INPUT otherwise). Null keeps it.' }) minDecryptionVersion?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default version for encrypt, sign and generateMac: 0 (latest) or minDecryptionVersion to latestVersion (BAD_USER_INPUT otherwise). Null keeps it.' }) minEncryptionVersion?: number | null;
  @Field(() => Int, { nullable: true, description: 'Days between automatic rotations (1 to 3650); 0 or an explicit null turns automatic rotation off.' }) autoRotatePeriodDays?: number | null;
}

@InputType('EncryptInput', { description: 'What to encrypt and with which key.' })
export class EncryptInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => String, { description: 'The data to encrypt: standard base64, at most 64 KiB decoded (BAD_USER_INPUT otherwise).' }) plaintext!: string;
  @Field(() => String, { nullable: true, description: 'Optional associated data (standard base64, at most 64 KiB decoded): authenticated, not encrypted; the same bytes must be given to decrypt.' }) associatedData?: string | null;
  @Field(() => Int, { nullable: true, description: 'Key version to encrypt with: from minEncryptionVersion (when set, else minDecryptionVersion) to latestVersion (BAD_USER_INPUT otherwise). Null: minEncryptionVersion, or the latest when that is 0.' }) keyVersion?: number | null;
}

@InputType('DecryptInput', { description: 'A ciphertext to decrypt and the key it was made with.' })
export class DecryptInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => String, { description: 'A ciphertext returned by encrypt, reEncrypt, encryptBatch or generateDataKey: `kms:v<N>:<base64(nonce ‖ ciphertext ‖ tag)>`. Malformed, tampered, other-key or below-minDecryptionVersion input fails with INVALID_CIPHERTEXT.' }) ciphertext!: string;
  @Field(() => String, { nullable: true, description: 'The associated data given at encryption (standard base64), or null if none was; any other value fails with INVALID_CIPHERTEXT.' }) associatedData?: string | null;
}

@InputType('ReEncryptInput', { description: "A ciphertext to re-encrypt under the key's current encryption version." })
export class ReEncryptInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => String, { description: 'A ciphertext returned by encrypt, reEncrypt, encryptBatch or generateDataKey: `kms:v<N>:<base64(nonce ‖ ciphertext ‖ tag)>`. Malformed, tampered, other-key or below-minDecryptionVersion input fails with INVALID_CIPHERTEXT.' }) ciphertext!: string;
  @Field(() => String, { nullable: true, description: 'The associated data given at encryption (standard base64), or null if none was; the new ciphertext is bound to the same bytes.' }) associatedData?: string | null;
}

@InputType('GenerateDataKeyInput', { description: 'A new random data key to generate and wrap (envelope encryption).' })
export class GenerateDataKeyInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => Int, { nullable: true, defaultValue: 256, description: 'Size of the data key in bits: 128 or 256 (BAD_USER_INPUT otherwise). Null means 256.' }) bits?: number | null;
  @Field(() => String, { nullable: true, description: 'Optional associated data (standard base64, at most 64 KiB decoded): authenticated, not encrypted; the same bytes must be given to decrypt.' }) associatedData?: string | null;
}

@InputType('EncryptBatchItemInput', { description: 'One item of encryptBatch.' })
export class EncryptBatchItemInput {
  @Field(() => String, { description: 'The data to encrypt: standard base64, at most 64 KiB decoded; otherwise this item fails with BAD_USER_INPUT.' }) plaintext!: string;
  @Field(() => String, { nullable: true, description: 'Optional associated data (standard base64, at most 64 KiB decoded) for this item.' }) associatedData?: string | null;
}

@InputType('DecryptBatchItemInput', { description: 'One item of decryptBatch.' })
export class DecryptBatchItemInput {
  @Field(() => String, { description: "A ciphertext (`kms:v<N>:…`) made with the batch's key; a bad one fails this item with INVALID_CIPHERTEXT." }) ciphertext!: string;
  @Field(() => String, { nullable: true, description: 'The associated data given at encryption (standard base64), or null if none was.' }) associatedData?: string | null;
}

@InputType('SignInput', { description: 'A message to sign with an asymmetric (SIGN_VERIFY) key.' })
export class SignInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => String, { description: 'The message itself, not a digest (standard base64, at most 64 KiB decoded).' }) message!: string;
  @Field(() => Int, { nullable: true, description: 'Key version to sign with: from minEncryptionVersion (when set, else minDecryptionVersion) to latestVersion (BAD_USER_INPUT otherwise). Null: minEncryptionVersion, or the latest when that is 0.' }) keyVersion?: number | null;
}

@InputType('VerifyInput', { description: 'A signature to check against a message.' })
export class VerifyInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => String, { description: 'The message (standard base64, at most 64 KiB decoded).' }) message!: string;
  @Field(() => String, { description: 'A signature returned by sign: `kms:v<N>:<base64>`; any other shape is BAD_USER_INPUT.' }) signature!: string;
}

@InputType('GenerateMacInput', { description: 'A message to authenticate with an HMAC (GENERATE_VERIFY_MAC) key.' })
export class GenerateMacInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => String, { description: 'The message (standard base64, at most 64 KiB decoded).' }) message!: string;
  @Field(() => Int, { nullable: true, description: 'Key version to use: from minEncryptionVersion (when set, else minDecryptionVersion) to latestVersion (BAD_USER_INPUT otherwise). Null: minEncryptionVersion, or the latest when that is 0.' }) keyVersion?: number | null;
}

@InputType('VerifyMacInput', { description: 'A MAC to check against a message.' })
export class VerifyMacInput {
  @Field(() => String, { description: KEY_IDENTITY_INPUT }) keyIdentity!: string;
  @Field(() => String, { description: 'The message (standard base64, at most 64 KiB decoded).' }) message!: string;
  @Field(() => String, { description: 'A MAC returned by generateMac: `kms:v<N>:<base64>`; any other shape is BAD_USER_INPUT.' }) mac!: string;
}
