import { Field, Int, ObjectType } from 'type-graphql';
import { BatchItemError } from '../../../../shared/graphqlTypes';

export { BatchItemError };

@ObjectType('EncryptResult', { description: 'A ciphertext and the key version that made it.' })
export class EncryptResult {
  @Field(() => String, { description: 'Identity of the key used.' }) keyIdentity!: string;
  @Field(() => Int, { description: 'Key version that encrypted (the N of the ciphertext).' }) keyVersion!: number;
  @Field(() => String, { description: 'The ciphertext: `kms:v<N>:<base64(nonce ‖ ciphertext ‖ tag)>`, N the key version. Pass it unchanged to decrypt with the same associated data.' }) ciphertext!: string;
}

@ObjectType('DecryptResult', { description: 'A decrypted plaintext and the key version that had encrypted it.' })
export class DecryptResult {
  @Field(() => String, { description: 'Identity of the key used.' }) keyIdentity!: string;
  @Field(() => Int, { description: 'Key version the ciphertext was made with.' }) keyVersion!: number;
  @Field(() => String, { description: 'The original data, standard base64.' }) plaintext!: string;
}

@ObjectType('DataKey', { description: 'A fresh random data key, in the clear and wrapped by the KMS key (envelope encryption): use the plaintext, store the ciphertext.' })
export class DataKey {
  @Field(() => String, { description: 'The data key, standard base64 (16 or 32 bytes for 128 or 256 bits). Keep it in memory only.' }) plaintext!: string;
  @Field(() => String, { description: 'The same data key encrypted by the KMS key (`kms:v<N>:…`); decrypt returns it.' }) ciphertext!: string;
  @Field(() => Int, { description: 'Key version that wrapped the data key.' }) keyVersion!: number;
}

/** simpleResolvers: graphql's default property read per field, no type-graphql wrapper (1000 items × 5 fields per batch). */
@ObjectType('BatchItemResult', { description: 'Outcome of one batch item, in input order: either its result or its error.', simpleResolvers: true })
export class BatchItemResult {
  @Field(() => Int, { description: 'Position of the item in the input list, from 0.' }) index!: number;
  @Field(() => String, { nullable: true, description: 'encryptBatch: the ciphertext (`kms:v<N>:…`); null for decryptBatch or a failed item.' }) ciphertext!: string | null;
  @Field(() => String, { nullable: true, description: 'decryptBatch: the plaintext, standard base64; null for encryptBatch or a failed item.' }) plaintext!: string | null;
  @Field(() => Int, { nullable: true, description: 'Key version used for this item; null when it failed.' }) keyVersion!: number | null;
  @Field(() => BatchItemError, { nullable: true, description: 'Why this item failed (e.g. BAD_USER_INPUT for bad base64 or size, INVALID_CIPHERTEXT); null on success.' }) error!: BatchItemError | null;
}

@ObjectType('SignResult', { description: 'A signature and the key version that made it.' })
export class SignResult {
  @Field(() => String, { description: '`kms:v<N>:<base64(signature)>`: RSA-PSS with SHA-256, ECDSA P-256 with SHA-256 (DER) or Ed25519, by key type.' }) signature!: string;
  @Field(() => Int, { description: 'Key version that signed (the N of the signature).' }) keyVersion!: number;
}

@ObjectType('VerifyResult', { description: 'Outcome of verify or verifyMac.' })
export class VerifyResult {
  @Field(() => Boolean, { description: 'True when the signature or MAC matches the message under that key version; false also when the version is below minDecryptionVersion or destroyed.' }) valid!: boolean;
}

@ObjectType('MacResult', { description: 'A MAC and the key version that made it.' })
export class MacResult {
  @Field(() => String, { description: '`kms:v<N>:<base64(HMAC-SHA256)>` of the message.' }) mac!: string;
  @Field(() => Int, { description: 'Key version that made the MAC (the N of the MAC).' }) keyVersion!: number;
}

@ObjectType('ExportedKey', { description: 'Key material of one version of an exportable key.' })
export class ExportedKey {
  @Field(() => Int, { description: 'Key version exported.' }) version!: number;
  @Field(() => String, { description: 'The material, standard base64: raw key bytes (symmetric and HMAC keys) or PKCS#8 DER private key (asymmetric keys).' }) keyMaterial!: string;
}
