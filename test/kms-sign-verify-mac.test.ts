import { constants, createHmac, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-sign'));
  for (const [identity, type] of [['rsa', 'RSA_2048'], ['rsa4k', 'RSA_4096'], ['ec', 'ECDSA_P256'], ['ed', 'ED25519'], ['hm', 'HMAC_SHA256']]) {
    await h.ok(Q.create, { input: { identity, type, exportable: identity === 'hm' } });
  }
});
afterAll(async () => h.stop());

function standardVerify(type: string, pem: string, message: Buffer, sig: Buffer): boolean {
  const key = createPublicKey(pem);
  if (type === 'ed') return verify(null, message, key, sig);
  if (type === 'ec') return verify('sha256', message, { key, dsaEncoding: 'der' }, sig);
  return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
}

it.each(['rsa', 'rsa4k', 'ec', 'ed'])('%s: signature verifies through the API and with node:crypto from publicKeyPem alone', async (id) => {
  const msg = Buffer.from(`message for ${id}`);
  const s = (await h.ok(Q.sign, { input: { keyIdentity: id, message: msg.toString('base64') } }, { headers: { 'x-request-id': `sign-${id}` } })).sign;
  expect(s.keyVersion).toBe(1);
  expect(s.signature).toMatch(/^kms:v1:/);
  const pem = (await h.ok(Q.pem, { id })).kmsKey.publicKeyPem;
  expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  const raw = Buffer.from(s.signature.slice(7), 'base64');
  expect(standardVerify(id, pem, msg, raw)).toBe(true);
  expect(standardVerify(id, pem, Buffer.from('other'), raw)).toBe(false);
  expect((await h.ok(Q.verify, { input: { keyIdentity: id, message: msg.toString('base64'), signature: s.signature } })).verify.valid).toBe(true);
  expect((await h.ok(Q.verify, { input: { keyIdentity: id, message: b64('other'), signature: s.signature } })).verify.valid).toBe(false);
  const [ev] = (await h.services.audit.query('default', { requestId: `sign-${id}` }, 5, null)).events;
  expect(ev).toMatchObject({ action: 'kms.sign', keyVersion: 1, outcome: 'SUCCESS' });
});

it('after rotation: new signatures use v2, v1 signatures still verify, publicKeyPem(version) serves each', async () => {
  const msg = b64('rotate me');
  const s1 = (await h.ok(Q.sign, { input: { keyIdentity: 'ec', message: msg } })).sign.signature;
  await h.ok(Q.rotate, { id: 'ec' });
  const s2 = (await h.ok(Q.sign, { input: { keyIdentity: 'ec', message: msg } })).sign;
  expect(s2.keyVersion).toBe(2);
  const pem1 = (await h.ok(Q.pem, { id: 'ec', v: 1 })).kmsKey.publicKeyPem;
  const pem2 = (await h.ok(Q.pem, { id: 'ec' })).kmsKey.publicKeyPem;
  expect(pem1).not.toBe(pem2);
  expect(standardVerify('ec', pem2, Buffer.from('rotate me'), Buffer.from(s2.signature.slice(7), 'base64'))).toBe(true);
  expect((await h.ok(Q.verify, { input: { keyIdentity: 'ec', message: msg, signature: s1 } })).verify.valid).toBe(true);
  // A v1 signature presented as v2 does not verify.
  expect((await h.ok(Q.verify, { input: { keyIdentity: 'ec', message: msg, signature: s1.replace('kms:v1:', 'kms:v2:') } })).verify.valid).toBe(false);
  await h.ok(Q.update, { input: { identity: 'ec', minDecryptionVersion: 2 } });
  expect((await h.ok(Q.verify, { input: { keyIdentity: 'ec', message: msg, signature: s1 } })).verify.valid).toBe(false);
  expect(failure(await h.gql(Q.pem, { id: 'ec', v: 3 }))).toMatchObject({ code: 'NOT_FOUND' });
  expect(failure(await h.gql(Q.verify, { input: { keyIdentity: 'ec', message: msg, signature: 'not-a-signature' } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
});

it('HMAC: generateMac is standard HMAC-SHA256 of the exported key; verifyMac accepts only the right MAC', async () => {
  const msg = b64('mac me');
  const m = (await h.ok(Q.mac, { input: { keyIdentity: 'hm', message: msg } }, { headers: { 'x-request-id': 'mac-1' } })).generateMac;
  expect(m).toMatchObject({ keyVersion: 1 });
  expect(m.mac).toMatch(/^kms:v1:/);
  const key = Buffer.from((await h.ok(Q.export, { id: 'hm' })).exportKmsKey.keyMaterial, 'base64');
  expect(key.length).toBe(32);
  expect(m.mac.slice(7)).toBe(createHmac('sha256', key).update('mac me').digest('base64'));
  expect((await h.ok(Q.verifyMac, { input: { keyIdentity: 'hm', message: msg, mac: m.mac } }, { headers: { 'x-request-id': 'vmac-1' } })).verifyMac.valid).toBe(true);
  expect((await h.ok(Q.verifyMac, { input: { keyIdentity: 'hm', message: b64('x'), mac: m.mac } })).verifyMac.valid).toBe(false);
  const ev = [
    (await h.services.audit.query('default', { requestId: 'mac-1' }, 5, null)).events[0],
    (await h.services.audit.query('default', { requestId: 'vmac-1' }, 5, null)).events[0],
  ];
  expect(ev.map((e) => [e.action, e.keyVersion])).toEqual([['kms.generate_mac', 1], ['kms.verify_mac', 1]]);
});

it('wrong purposes are 400 UNSUPPORTED_KEY_TYPE; publicKeyPem of a symmetric or HMAC key is null', async () => {
  expect(failure(await h.gql(Q.sign, { input: { keyIdentity: 'hm', message: b64('x') } }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
  expect(failure(await h.gql(Q.verifyMac, { input: { keyIdentity: 'ed', message: b64('x'), mac: 'kms:v1:AAAA' } }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
  expect(failure(await h.gql(Q.decrypt, { input: { keyIdentity: 'rsa', ciphertext: 'kms:v1:AAAA' } }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
  expect((await h.ok(Q.pem, { id: 'hm' })).kmsKey.publicKeyPem).toBeNull();
});

it('export of a non-exportable key is 400 BAD_USER_INPUT; asymmetric export is PKCS8 DER', async () => {
  expect(failure(await h.gql(Q.export, { id: 'ed' }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  await h.ok(Q.create, { input: { identity: 'ed-x', type: 'ED25519', exportable: true } });
  const ex = (await h.ok(Q.export, { id: 'ed-x' }, { headers: { 'x-request-id': 'export-1' } })).exportKmsKey;
  expect(ex.version).toBe(1);
  const priv = createPrivateKey({ key: Buffer.from(ex.keyMaterial, 'base64'), format: 'der', type: 'pkcs8' });
  expect(priv.asymmetricKeyType).toBe('ed25519');
  const pem = (await h.ok(Q.pem, { id: 'ed-x' })).kmsKey.publicKeyPem;
  expect(createPublicKey(priv).export({ type: 'spki', format: 'pem' })).toBe(pem);
  expect((await h.services.audit.query('default', { requestId: 'export-1' }, 5, null)).events[0]).toMatchObject({ action: 'kms.export_key', keyVersion: 1 });
  expect(failure(await h.gql(Q.export, { id: 'ed-x', v: 2 }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
});
