import { sign, verify } from 'node:crypto';
import type { SigningSuite } from './cipherSuite';
import { generatePkcs8, preparePkcs8, spkiPem } from './asymmetric';

/** ECDSA on P-256 with SHA-256; signatures DER-encoded (ASN.1 SEQUENCE { r, s }). */
export const ecdsaP256: SigningSuite = {
  type: 'ECDSA_P256',
  purpose: 'SIGN_VERIFY',
  generate: () => generatePkcs8('ec', { namedCurve: 'P-256' }),
  prepare: (material) => preparePkcs8(material, (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1'),
  sign: (key, message) => sign('sha256', message, { key: key.privateKey!, dsaEncoding: 'der' }),
  verify: (key, message, signature) => {
    try {
      return verify('sha256', message, { key: key.publicKey!, dsaEncoding: 'der' }, signature);
    } catch {
      return false;
    }
  },
  publicKeyPem: spkiPem,
};
