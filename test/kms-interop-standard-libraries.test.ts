import { createCipheriv, createDecipheriv, randomBytes, webcrypto } from 'node:crypto';
import { testConfig } from './support/env';
import { b64 } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/** The ciphertext format is the standard one: an exported key works with any AES-GCM / ChaCha20-Poly1305 library. */
let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-interop'));
  await h.ok(Q.create, { input: { identity: 'aes', type: 'AES256_GCM96', exportable: true } });
  await h.ok(Q.create, { input: { identity: 'aes128', type: 'AES128_GCM96', exportable: true } });
  await h.ok(Q.create, { input: { identity: 'cha', type: 'CHACHA20_POLY1305', exportable: true } });
});
afterAll(async () => h.stop());

const exported = async (id: string) => Buffer.from((await h.ok(Q.export, { id })).exportKmsKey.keyMaterial, 'base64');

it.each(['aes', 'aes128'])('%s: API ciphertext decrypts with WebCrypto AES-GCM, and a WebCrypto kms:v1: ciphertext decrypts through the API', async (id) => {
  const raw = await exported(id);
  expect(raw.length).toBe(id === 'aes' ? 32 : 16);
  const key = await webcrypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const aad = Buffer.from('encryption-context');

  const ct = (await h.ok(Q.encrypt, { input: { keyIdentity: id, plaintext: b64('from the API'), associatedData: aad.toString('base64') } })).encrypt.ciphertext;
  const body = Buffer.from(ct.slice('kms:v1:'.length), 'base64');
  const pt = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: body.subarray(0, 12), additionalData: aad, tagLength: 128 }, key, body.subarray(12));
  expect(Buffer.from(pt).toString()).toBe('from the API');

  const iv = randomBytes(12);
  const sealed = Buffer.from(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, key, Buffer.from('from WebCrypto')));
  const theirs = `kms:v1:${Buffer.concat([iv, sealed]).toString('base64')}`;
  const d = (await h.ok(Q.decrypt, { input: { keyIdentity: id, ciphertext: theirs, associatedData: aad.toString('base64') } })).decrypt;
  expect(Buffer.from(d.plaintext, 'base64').toString()).toBe('from WebCrypto');
});

it('CHACHA20_POLY1305: interoperates with node:crypto chacha20-poly1305 both ways', async () => {
  const raw = await exported('cha');
  const aad = Buffer.from('ctx');
  const ct = (await h.ok(Q.encrypt, { input: { keyIdentity: 'cha', plaintext: b64('chacha'), associatedData: aad.toString('base64') } })).encrypt.ciphertext;
  const body = Buffer.from(ct.slice(7), 'base64');
  const d = createDecipheriv('chacha20-poly1305', raw, body.subarray(0, 12), { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: body.length - 28 });
  d.setAuthTag(body.subarray(body.length - 16));
  expect(Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]).toString()).toBe('chacha');

  const nonce = randomBytes(12);
  const c = createCipheriv('chacha20-poly1305', raw, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: 8 });
  const sealed = Buffer.concat([nonce, c.update(Buffer.from('outside!')), c.final(), c.getAuthTag()]);
  const out = (await h.ok(Q.decrypt, { input: { keyIdentity: 'cha', ciphertext: `kms:v1:${sealed.toString('base64')}`, associatedData: aad.toString('base64') } })).decrypt;
  expect(Buffer.from(out.plaintext, 'base64').toString()).toBe('outside!');
});

it('exported versions differ after rotation and each opens its own ciphertexts', async () => {
  const v1ct = (await h.ok(Q.encrypt, { input: { keyIdentity: 'aes', plaintext: b64('v1') } })).encrypt.ciphertext;
  await h.ok(Q.rotate, { id: 'aes' });
  const k1 = Buffer.from((await h.ok(Q.export, { id: 'aes', v: 1 })).exportKmsKey.keyMaterial, 'base64');
  const latest = (await h.ok(Q.export, { id: 'aes' })).exportKmsKey;
  expect(latest.version).toBe(2);
  expect(Buffer.from(latest.keyMaterial, 'base64').equals(k1)).toBe(false);
  const key = await webcrypto.subtle.importKey('raw', k1, 'AES-GCM', false, ['decrypt']);
  const body = Buffer.from(v1ct.slice(7), 'base64');
  expect(Buffer.from(await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: body.subarray(0, 12) }, key, body.subarray(12))).toString()).toBe('v1');
});
