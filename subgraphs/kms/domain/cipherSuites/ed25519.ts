import { sign, verify } from 'node:crypto';
import type { SigningSuite } from './cipherSuite';
import { generatePkcs8, preparePkcs8, spkiPem } from './asymmetric';

/** Ed25519 (pure, RFC 8032): the message is signed as is, no pre-hash. */
export const ed25519: SigningSuite = {
  type: 'ED25519',
  purpose: 'SIGN_VERIFY',
  generate: () => generatePkcs8('ed25519', {}),
  prepare: (material) => preparePkcs8(material, (k) => k.asymmetricKeyType === 'ed25519'),
  sign: (key, message) => sign(null, message, key.privateKey!),
  verify: (key, message, signature) => {
    try {
      return verify(null, message, key.publicKey!, signature);
    } catch {
      return false;
    }
  },
  publicKeyPem: spkiPem,
};
