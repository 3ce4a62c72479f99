import { constants, sign, verify } from 'node:crypto';
import type { SigningSuite } from './cipherSuite';
import { generatePkcs8, preparePkcs8, spkiPem } from './asymmetric';

/** RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length = digest length (32). */
function rsaPss(type: 'RSA_2048' | 'RSA_4096', modulusLength: 2048 | 4096): SigningSuite {
  return {
    type,
    purpose: 'SIGN_VERIFY',
    generate: () => generatePkcs8('rsa', { modulusLength, publicExponent: 0x10001 }),
    prepare: (material) =>
      preparePkcs8(material, (k) => k.asymmetricKeyType === 'rsa' && k.asymmetricKeyDetails?.modulusLength === modulusLength),
    sign: (key, message) =>
      sign('sha256', message, { key: key.privateKey!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }),
    verify: (key, message, signature) => {
      try {
        // AUTO accepts any salt length, so signatures from other standard PSS signers verify too.
        return verify('sha256', message, { key: key.publicKey!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
      } catch {
        return false;
      }
    },
    publicKeyPem: spkiPem,
  };
}

export const rsa2048 = rsaPss('RSA_2048', 2048);
export const rsa4096 = rsaPss('RSA_4096', 4096);
