import { createDecipheriv, createPublicKey, verify, constants, createHmac, createCipheriv, randomBytes } from 'node:crypto';
import { cipherSuite, type EncryptionSuite, type MacSuite, type SigningSuite } from './index';
import { KEY_TYPES } from '../keyTypes';

const enc = (t: 'AES128_GCM96' | 'AES256_GCM96' | 'CHACHA20_POLY1305') => cipherSuite(t) as EncryptionSuite;
const sig = (t: 'RSA_2048' | 'RSA_4096' | 'ECDSA_P256' | 'ED25519') => cipherSuite(t) as SigningSuite;

describe('cipher suite registry', () => {
  it('has one suite per key type, with the purpose of API.md', () => {
    const purposes = Object.fromEntries(KEY_TYPES.map((t) => [t, cipherSuite(t).purpose]));
    expect(purposes).toEqual({
      AES128_GCM96: 'ENCRYPT_DECRYPT', AES256_GCM96: 'ENCRYPT_DECRYPT', CHACHA20_POLY1305: 'ENCRYPT_DECRYPT',
      RSA_2048: 'SIGN_VERIFY', RSA_4096: 'SIGN_VERIFY', ECDSA_P256: 'SIGN_VERIFY', ED25519: 'SIGN_VERIFY',
      HMAC_SHA256: 'GENERATE_VERIFY_MAC',
    });
  });
});

describe.each([
  ['AES128_GCM96', 'aes-128-gcm', 16],
  ['AES256_GCM96', 'aes-256-gcm', 32],
  ['CHACHA20_POLY1305', 'chacha20-poly1305', 32],
] as const)('%s', (type, alg, keyBytes) => {
  const suite = enc(type);

  it('generates keys of the right size and round-trips with associated data', async () => {
    const material = await suite.generate();
    expect(material.length).toBe(keyBytes);
    const key = suite.prepare(material);
    const aad = Buffer.from('ctx');
    const body = suite.encrypt(key, Buffer.from('hello'), aad);
    expect(body.length).toBe(12 + 5 + 16);
    expect(suite.decrypt(key, body, aad)?.toString()).toBe('hello');
  });

  it('uses a fresh random nonce each time', async () => {
    const key = suite.prepare(await suite.generate());
    const a = suite.encrypt(key, Buffer.from('same'));
    const b = suite.encrypt(key, Buffer.from('same'));
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
  });

  it('rejects tampering, wrong associated data, wrong key and short bodies', async () => {
    const key = suite.prepare(await suite.generate());
    const other = suite.prepare(await suite.generate());
    const body = suite.encrypt(key, Buffer.from('secret'), Buffer.from('a'));
    const flipped = Buffer.from(body);
    flipped[14] ^= 1;
    expect(suite.decrypt(key, flipped, Buffer.from('a'))).toBeNull();
    expect(suite.decrypt(key, body, Buffer.from('b'))).toBeNull();
    expect(suite.decrypt(key, body)).toBeNull();
    expect(suite.decrypt(other, body, Buffer.from('a'))).toBeNull();
    expect(suite.decrypt(key, body.subarray(0, 20), Buffer.from('a'))).toBeNull();
  });

  it('is the standard construction: nonce ‖ ct ‖ tag opens with node:crypto directly, and vice versa', async () => {
    const material = await suite.generate();
    const key = suite.prepare(material);
    const body = suite.encrypt(key, Buffer.from('interop'), Buffer.from('aad'));
    const d = createDecipheriv(alg as any, material, body.subarray(0, 12), { authTagLength: 16 } as any) as any;
    d.setAAD(Buffer.from('aad'), { plaintextLength: body.length - 28 });
    d.setAuthTag(body.subarray(body.length - 16));
    expect(Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]).toString()).toBe('interop');

    const nonce = randomBytes(12);
    const c = createCipheriv(alg as any, material, nonce, { authTagLength: 16 } as any) as any;
    const ct = Buffer.concat([c.update(Buffer.from('from outside')), c.final()]);
    const outside = Buffer.concat([nonce, ct, c.getAuthTag()]);
    expect(suite.decrypt(key, outside)?.toString()).toBe('from outside');
  });

  it('refuses material of the wrong size', () => {
    expect(() => suite.prepare(Buffer.alloc(keyBytes + 1))).toThrow();
  });
});

describe.each(['RSA_2048', 'ECDSA_P256', 'ED25519'] as const)('%s', (type) => {
  const suite = sig(type);
  let material: Buffer;
  beforeAll(async () => {
    material = await suite.generate();
  });

  it('signs and verifies; a changed message or signature does not verify', () => {
    const key = suite.prepare(material);
    const s = suite.sign(key, Buffer.from('msg'));
    expect(suite.verify(key, Buffer.from('msg'), s)).toBe(true);
    expect(suite.verify(key, Buffer.from('msh'), s)).toBe(false);
    const bad = Buffer.from(s);
    bad[bad.length - 1] ^= 1;
    expect(suite.verify(key, Buffer.from('msg'), bad)).toBe(false);
    expect(suite.verify(key, Buffer.from('msg'), Buffer.from('junk'))).toBe(false);
  });

  it('signatures verify with node:crypto from the SPKI PEM alone', () => {
    const key = suite.prepare(material);
    const pem = suite.publicKeyPem(key);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const pub = createPublicKey(pem);
    const s = suite.sign(key, Buffer.from('standard'));
    const ok =
      type === 'ED25519' ? verify(null, Buffer.from('standard'), pub, s)
      : type === 'ECDSA_P256' ? verify('sha256', Buffer.from('standard'), { key: pub, dsaEncoding: 'der' }, s)
      : verify('sha256', Buffer.from('standard'), { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, s);
    expect(ok).toBe(true);
  });

  it('refuses material of another key type', async () => {
    const other = type === 'ED25519' ? await sig('ECDSA_P256').generate() : await sig('ED25519').generate();
    expect(() => suite.prepare(other)).toThrow();
  });
});

describe('RSA_4096', () => {
  it('generates a 4096-bit PSS signing key', async () => {
    const suite = sig('RSA_4096');
    const key = suite.prepare(await suite.generate());
    expect(key.privateKey!.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(suite.verify(key, Buffer.from('x'), suite.sign(key, Buffer.from('x')))).toBe(true);
  });
});

describe('HMAC_SHA256', () => {
  const suite = cipherSuite('HMAC_SHA256') as MacSuite;
  it('is standard HMAC-SHA256 and verifies only the right MAC', async () => {
    const material = await suite.generate();
    const key = suite.prepare(material);
    const mac = suite.mac(key, Buffer.from('m'));
    expect(mac.equals(createHmac('sha256', material).update('m').digest())).toBe(true);
    expect(suite.verifyMac(key, Buffer.from('m'), mac)).toBe(true);
    expect(suite.verifyMac(key, Buffer.from('n'), mac)).toBe(false);
    expect(suite.verifyMac(key, Buffer.from('m'), mac.subarray(0, 16))).toBe(false);
  });
});
