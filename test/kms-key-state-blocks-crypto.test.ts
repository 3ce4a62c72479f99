import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/** The seed's key-state impact table: metadata always readable; crypto only while ACTIVE (400 otherwise). */
let h: KmsHarness;
let ct: string;
let sig: string;
let mac: string;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-state'));
  for (const [identity, type] of [['enc', 'AES256_GCM96'], ['sig', 'ECDSA_P256'], ['mac', 'HMAC_SHA256']]) {
    await h.ok(Q.create, { input: { identity, type, exportable: true } });
  }
  ct = (await h.ok(Q.encrypt, { input: { keyIdentity: 'enc', plaintext: b64('v') } })).encrypt.ciphertext;
  sig = (await h.ok(Q.sign, { input: { keyIdentity: 'sig', message: b64('m') } })).sign.signature;
  mac = (await h.ok(Q.mac, { input: { keyIdentity: 'mac', message: b64('m') } })).generateMac.mac;
});
afterAll(async () => h.stop());

const cryptoOps = () => [
  ['encrypt', Q.encrypt, { input: { keyIdentity: 'enc', plaintext: b64('x') } }],
  ['decrypt', Q.decrypt, { input: { keyIdentity: 'enc', ciphertext: ct } }],
  ['reEncrypt', Q.reEncrypt, { input: { keyIdentity: 'enc', ciphertext: ct } }],
  ['generateDataKey', Q.dataKey, { input: { keyIdentity: 'enc' } }],
  ['encryptBatch', Q.encryptBatch, { id: 'enc', items: [{ plaintext: b64('x') }] }],
  ['decryptBatch', Q.decryptBatch, { id: 'enc', items: [{ ciphertext: ct }] }],
  ['sign', Q.sign, { input: { keyIdentity: 'sig', message: b64('m') } }],
  ['verify', Q.verify, { input: { keyIdentity: 'sig', message: b64('m'), signature: sig } }],
  ['generateMac', Q.mac, { input: { keyIdentity: 'mac', message: b64('m') } }],
  ['verifyMac', Q.verifyMac, { input: { keyIdentity: 'mac', message: b64('m'), mac } }],
  ['exportKmsKey', Q.export, { id: 'enc' }],
] as const;

async function expectAllBlocked(status: 'DISABLED' | 'PENDING_DELETION') {
  for (const [name, q, vars] of cryptoOps()) {
    const r = await h.gql(q, vars as any, { headers: { 'x-request-id': `blocked-${status}-${name}` } });
    expect({ name, ...failure(r), kmsKeyStatus: failure(r).extensions?.kmsKeyStatus }).toEqual(
      expect.objectContaining({ name, status: 400, code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: status }),
    );
  }
}

async function expectAllWork() {
  for (const [name, q, vars] of cryptoOps()) {
    const r = await h.gql(q, vars as any);
    expect({ name, status: r.status, errors: r.body.errors }).toEqual({ name, status: 200, errors: undefined });
  }
}

it('ACTIVE: every crypto operation works', async () => {
  await expectAllWork();
});

it('DISABLED: every crypto operation is 400 KMS_KEY_NOT_ACTIVE (kmsKeyStatus DISABLED); metadata readable; enable restores', async () => {
  for (const id of ['enc', 'sig', 'mac']) await h.ok(Q.disable, { id });
  await expectAllBlocked('DISABLED');
  const meta = await h.ok(`{ a: kmsKey(identity: "enc") { status latestVersion versions { version } } b: kmsKey(identity: "sig") { status publicKeyPem } }`);
  expect(meta.a).toEqual({ status: 'DISABLED', latestVersion: 1, versions: [{ version: 1 }] });
  expect(meta.b.status).toBe('DISABLED');
  expect(meta.b.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
  // The failure is audited with its code.
  const [ev] = (await h.services.audit.query('default', { requestId: 'blocked-DISABLED-decrypt' }, 5, null)).events;
  expect(ev).toMatchObject({ action: 'kms.decrypt', outcome: 'FAILURE', errorCode: 'KMS_KEY_NOT_ACTIVE', resource: 'kms-key:us-east-1/enc' });
  for (const id of ['enc', 'sig', 'mac']) await h.ok(Q.enable, { id });
  await expectAllWork();
});

it('PENDING_DELETION: every crypto operation is 400 KMS_KEY_NOT_ACTIVE (kmsKeyStatus PENDING_DELETION); cancel → DISABLED → enable restores', async () => {
  for (const id of ['enc', 'sig', 'mac']) await h.ok(Q.schedule, { id, days: 7 });
  await expectAllBlocked('PENDING_DELETION');
  expect((await h.ok(Q.get, { id: 'enc' })).kmsKey.status).toBe('PENDING_DELETION');
  expect((await h.ok(Q.list, { status: 'PENDING_DELETION' })).kmsKeys.nodes.map((n: any) => n.identity)).toEqual(['enc', 'mac', 'sig']);
  for (const id of ['enc', 'sig', 'mac']) {
    expect((await h.ok(Q.cancel, { id })).cancelKmsKeyDeletion.status).toBe('DISABLED');
  }
  await expectAllBlocked('DISABLED');
  for (const id of ['enc', 'sig', 'mac']) await h.ok(Q.enable, { id });
  await expectAllWork();
});

it('rotating a non-active key is refused with KMS_KEY_NOT_ACTIVE', async () => {
  await h.ok(Q.disable, { id: 'enc' });
  expect(failure(await h.gql(Q.rotate, { id: 'enc' }))).toMatchObject({ status: 400, code: 'KMS_KEY_NOT_ACTIVE' });
  await h.ok(Q.enable, { id: 'enc' });
});
