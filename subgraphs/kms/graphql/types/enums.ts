import { registerEnumType } from 'type-graphql';
import { KeyStatusEnum as SharedKeyStatusEnum } from '../../../../shared/graphqlTypes';
import { KEY_PURPOSES, KEY_TYPES, type KeyPurpose, type KeyStatus, type KeyType } from '../../domain/keyTypes';

const asEnum = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const KeyTypeEnum = asEnum<KeyType>(KEY_TYPES);
/** Defined in shared/graphqlTypes.ts (the secrets subgraph provides KmsKey.status too); the same values as the domain's. */
export const KeyStatusEnum: { readonly [K in KeyStatus]: K } = SharedKeyStatusEnum;
const sameStatuses: keyof typeof SharedKeyStatusEnum extends KeyStatus ? (KeyStatus extends keyof typeof SharedKeyStatusEnum ? true : never) : never = true;
void sameStatuses;
export const KeyPurposeEnum = asEnum<KeyPurpose>(KEY_PURPOSES);

registerEnumType(KeyTypeEnum, {
  name: 'KeyType',
  description: 'Algorithm of a KMS key, fixed at creation; it decides the purpose. Only the three symmetric encryption types can protect secrets.',
  valuesConfig: {
    AES128_GCM96: { description: 'AES-128-GCM, 96-bit nonce, 128-bit tag (ENCRYPT_DECRYPT).' },
    AES256_GCM96: { description: 'AES-256-GCM, 96-bit nonce, 128-bit tag (ENCRYPT_DECRYPT).' },
    CHACHA20_POLY1305: { description: 'ChaCha20-Poly1305, 96-bit nonce, 128-bit tag (ENCRYPT_DECRYPT).' },
    RSA_2048: { description: 'RSA 2048-bit, signatures RSA-PSS with SHA-256 (SIGN_VERIFY).' },
    RSA_4096: { description: 'RSA 4096-bit, signatures RSA-PSS with SHA-256 (SIGN_VERIFY).' },
    ECDSA_P256: { description: 'ECDSA on P-256 with SHA-256, DER-encoded signatures (SIGN_VERIFY).' },
    ED25519: { description: 'Ed25519 signatures (SIGN_VERIFY).' },
    HMAC_SHA256: { description: 'HMAC-SHA256 with a 256-bit key (GENERATE_VERIFY_MAC).' },
  },
});
registerEnumType(KeyPurposeEnum, {
  name: 'KeyPurpose',
  description: "What a key can do, derived from its type. An operation outside the key's purpose fails with UNSUPPORTED_KEY_TYPE.",
  valuesConfig: {
    ENCRYPT_DECRYPT: { description: 'encrypt, decrypt, reEncrypt, generateDataKey, encryptBatch, decryptBatch; can protect secrets.' },
    SIGN_VERIFY: { description: 'sign and verify; has a public key (`publicKeyPem`).' },
    GENERATE_VERIFY_MAC: { description: 'generateMac and verifyMac.' },
  },
});
