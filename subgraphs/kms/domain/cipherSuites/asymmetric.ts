import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyHandle } from './cipherSuite';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Private keys are kept as PKCS8 DER: the one format every library imports. */
export async function generatePkcs8(type: 'rsa' | 'ec' | 'ed25519', options: object): Promise<Buffer> {
  // Async: RSA-4096 generation takes long enough to stall the event loop if done synchronously.
  const { privateKey } = await (generateKeyPairAsync as any)(type, {
    ...options,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return privateKey as Buffer;
}

export function preparePkcs8(material: Buffer, expect: (k: KeyObject) => boolean): KeyHandle {
  const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
  if (!expect(privateKey)) throw new Error('key material does not match the key type');
  return { material, privateKey, publicKey: createPublicKey(privateKey) };
}

export function spkiPem(key: KeyHandle): string {
  return key.publicKey!.export({ type: 'spki', format: 'pem' }) as string;
}
