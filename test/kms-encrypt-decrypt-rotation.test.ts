import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-crypto'));
  await h.ok(Q.create, { input: { identity: 'k', type: 'AES256_GCM96' } });
  await h.ok(Q.create, { input: { identity: 'other', type: 'AES256_GCM96' } });
  await h.ok(Q.create, { input: { identity: 'small', type: 'AES128_GCM96' } });
  await h.ok(Q.create, { input: { identity: 'cha', type: 'CHACHA20_POLY1305' } });
  await h.ok(Q.create, { input: { identity: 'ed', type: 'ED25519' } });
  await h.ok(Q.create, { input: { identity: 'hm', type: 'HMAC_SHA256' } });
});
afterAll(async () => h.stop());

const enc = async (keyIdentity: string, plaintext: string, associatedData?: string, keyVersion?: number) =>
  (await h.ok(Q.encrypt, { input: { keyIdentity, plaintext: b64(plaintext), associatedData: associatedData && b64(associatedData), keyVersion } })).encrypt;
const dec = (keyIdentity: string, ciphertext: string, associatedData?: string) =>
  h.gql(Q.decrypt, { input: { keyIdentity, ciphertext, associatedData: associatedData && b64(associatedData) } });

it.each(['k', 'small', 'cha'])('%s: encrypt → kms:v1: ciphertext → decrypt, with and without associated data', async (id) => {
  const e = await enc(id, 'hello world', 'ctx');
  expect(e).toMatchObject({ keyIdentity: id, keyVersion: 1 });
  expect(e.ciphertext).toMatch(/^kms:v1:[A-Za-z0-9+/]+={0,2}$/);
  expect(Buffer.from(e.ciphertext.slice(7), 'base64').length).toBe(12 + 11 + 16);
  const d = await dec(id, e.ciphertext, 'ctx');
  expect(d.body.data.decrypt).toEqual({ keyIdentity: id, keyVersion: 1, plaintext: b64('hello world') });
  const plain = await enc(id, '');
  expect((await dec(id, plain.ciphertext)).body.data.decrypt.plaintext).toBe('');
});

it('tampered, wrong associated data, wrong key, malformed → 400 INVALID_CIPHERTEXT (audited as FAILURE)', async () => {
  const e = await enc('k', 'secret', 'aad-1');
  const raw = Buffer.from(e.ciphertext.slice(7), 'base64');
  raw[raw.length - 1] ^= 1;
  const tampered = `kms:v1:${raw.toString('base64')}`;
  const cases: [string, string | undefined, string][] = [
    [tampered, 'aad-1', 'k'],
    [e.ciphertext, 'aad-2', 'k'],
    [e.ciphertext, undefined, 'k'],
    [e.ciphertext, 'aad-1', 'other'],
    ['kms:v1:not base64!', 'aad-1', 'k'],
    ['garbage', 'aad-1', 'k'],
    ['kms:v1:AAAA', 'aad-1', 'k'],
    [e.ciphertext.replace('kms:v1:', 'kms:v9:'), 'aad-1', 'k'],
    [e.ciphertext.replace('kms:v1:', 'kms:v0:'), 'aad-1', 'k'],
  ];
  for (const [ct, aad, id] of cases) {
    expect(failure(await dec(id, ct, aad))).toMatchObject({ status: 400, code: 'INVALID_CIPHERTEXT' });
  }
  await h.gql(Q.decrypt, { input: { keyIdentity: 'k', ciphertext: tampered, associatedData: b64('aad-1') } }, { headers: { 'x-request-id': 'tamper-1' } });
  const [ev] = (await h.services.audit.query('default', { requestId: 'tamper-1' }, 5, null)).events;
  expect(ev).toMatchObject({ action: 'kms.decrypt', outcome: 'FAILURE', errorCode: 'INVALID_CIPHERTEXT' });
});

it('rotation: old ciphertexts still decrypt, new encrypts use the new version, minDecryptionVersion retires old ones', async () => {
  await h.ok(Q.create, { input: { identity: 'rot', type: 'AES256_GCM96' } });
  const v1 = await enc('rot', 'one');
  await h.ok(Q.rotate, { id: 'rot' });
  const v2 = await enc('rot', 'two');
  expect(v2.keyVersion).toBe(2);
  expect(v2.ciphertext.startsWith('kms:v2:')).toBe(true);
  expect((await dec('rot', v1.ciphertext)).body.data.decrypt).toMatchObject({ keyVersion: 1, plaintext: b64('one') });
  expect((await dec('rot', v2.ciphertext)).body.data.decrypt).toMatchObject({ keyVersion: 2, plaintext: b64('two') });

  // Explicit older version, then reEncrypt moves it to the latest without revealing the plaintext.
  const old = await enc('rot', 'pinned', 'a', 1);
  expect(old.keyVersion).toBe(1);
  const re = (await h.ok(Q.reEncrypt, { input: { keyIdentity: 'rot', ciphertext: old.ciphertext, associatedData: b64('a') } }, { headers: { 'x-request-id': 'reenc-1' } })).reEncrypt;
  expect(re).toMatchObject({ keyIdentity: 'rot', keyVersion: 2 });
  expect((await dec('rot', re.ciphertext, 'a')).body.data.decrypt.plaintext).toBe(b64('pinned'));
  expect((await h.services.audit.query('default', { requestId: 'reenc-1' }, 5, null)).events[0]).toMatchObject({ action: 'kms.reencrypt', keyVersion: 2 });
  expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'rot', plaintext: b64('x'), keyVersion: 3 } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });

  await h.ok(Q.update, { input: { identity: 'rot', minDecryptionVersion: 2 } });
  expect(failure(await dec('rot', v1.ciphertext))).toMatchObject({ status: 400, code: 'INVALID_CIPHERTEXT' });
  expect((await dec('rot', v2.ciphertext)).status).toBe(200);
  expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'rot', plaintext: b64('x'), keyVersion: 1 } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  await h.ok(Q.update, { input: { identity: 'rot', minDecryptionVersion: 1 } });
  expect((await dec('rot', v1.ciphertext)).status).toBe(200);

  // minEncryptionVersion pins the default encryption version.
  await h.ok(Q.rotate, { id: 'rot' });
  await h.ok(Q.update, { input: { identity: 'rot', minEncryptionVersion: 2 } });
  expect((await enc('rot', 'x')).keyVersion).toBe(2);
  await h.ok(Q.update, { input: { identity: 'rot', minEncryptionVersion: 0 } });
  expect((await enc('rot', 'x')).keyVersion).toBe(3);
});

it('audit: kms.encrypt and kms.decrypt carry the key version, never values', async () => {
  const e = (await h.ok(Q.encrypt, { input: { keyIdentity: 'k', plaintext: b64('do-not-log') } }, { headers: { 'x-request-id': 'audit-enc' } })).encrypt;
  await h.ok(Q.decrypt, { input: { keyIdentity: 'k', ciphertext: e.ciphertext } }, { headers: { 'x-request-id': 'audit-dec' } });
  const [ae] = (await h.services.audit.query('default', { requestId: 'audit-enc' }, 5, null)).events;
  const [ad] = (await h.services.audit.query('default', { requestId: 'audit-dec' }, 5, null)).events;
  expect(ae).toMatchObject({ action: 'kms.encrypt', outcome: 'SUCCESS', keyVersion: 1, resource: 'kms-key:us-east-1/k', region: 'us-east-1' });
  expect(ad).toMatchObject({ action: 'kms.decrypt', outcome: 'SUCCESS', keyVersion: 1 });
  const text = JSON.stringify([ae, ad]);
  expect(text).not.toContain(b64('do-not-log'));
  expect(text).not.toContain(e.ciphertext.slice(7, 30));
});

it('generateDataKey: 128 or 256 bits, the ciphertext decrypts to the plaintext key', async () => {
  for (const bits of [128, 256]) {
    const dk = (await h.ok(Q.dataKey, { input: { keyIdentity: 'k', bits, associatedData: b64('dk') } })).generateDataKey;
    expect(Buffer.from(dk.plaintext, 'base64').length).toBe(bits / 8);
    expect(dk.keyVersion).toBe(1);
    expect((await dec('k', dk.ciphertext, 'dk')).body.data.decrypt.plaintext).toBe(dk.plaintext);
  }
  const def = (await h.ok(Q.dataKey, { input: { keyIdentity: 'k' } })).generateDataKey;
  expect(Buffer.from(def.plaintext, 'base64').length).toBe(32);
  expect(failure(await h.gql(Q.dataKey, { input: { keyIdentity: 'k', bits: 192 } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
});

it('input validation: strict base64, 64 KiB limit, unknown key 404, wrong key type 400 UNSUPPORTED_KEY_TYPE', async () => {
  for (const plaintext of ['not base64', 'aGk', 'aGk=\n', 'aGl=']) {
    expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'k', plaintext } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  }
  expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'k', plaintext: 'aGk=', associatedData: '!' } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect((await h.gql(Q.encrypt, { input: { keyIdentity: 'k', plaintext: Buffer.alloc(65536).toString('base64') } })).status).toBe(200);
  expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'k', plaintext: Buffer.alloc(65537).toString('base64') } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'nope', plaintext: 'aGk=' } }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'Bad Id', plaintext: 'aGk=' } }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  for (const id of ['ed', 'hm']) {
    expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: id, plaintext: 'aGk=' } }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
    expect(failure(await h.gql(Q.dataKey, { input: { keyIdentity: id } }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
  }
  expect(failure(await h.gql(Q.sign, { input: { keyIdentity: 'k', message: 'aGk=' } }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
  expect(failure(await h.gql(Q.mac, { input: { keyIdentity: 'ed', message: 'aGk=' } }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
  expect((await h.ok(Q.pem, { id: 'k' })).kmsKey.publicKeyPem).toBeNull();
});

it('HTTP status rule: no data → the status of the error; partial data (nullable root fields) → 200 with coded errors', async () => {
  const e = await enc('k', 'x');
  // Non-null root fields: one failure nulls all data, so the status is the first error's.
  const r = await h.gql(`mutation($ok: DecryptInput!, $bad: DecryptInput!) { a: decrypt(input: $ok) { plaintext } b: decrypt(input: $bad) { plaintext } }`, {
    ok: { keyIdentity: 'k', ciphertext: e.ciphertext },
    bad: { keyIdentity: 'k', ciphertext: 'kms:v1:AAAA' },
  });
  expect(failure(r)).toMatchObject({ status: 400, code: 'INVALID_CIPHERTEXT' });
  const p = await h.gql(`{ a: kmsKey(identity: "k") { identity } b: kmsKey(identity: "Not-Valid") { identity } }`);
  expect(p.status).toBe(200);
  expect(p.body.data).toEqual({ a: { identity: 'k' }, b: null });
  expect(p.body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
});
