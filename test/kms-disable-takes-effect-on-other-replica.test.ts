import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/** Key state is read from Redis on every request: a change on one replica holds on the next request everywhere. */
let a: KmsHarness;
let b: KmsHarness;
beforeAll(async () => {
  const cfg = testConfig({ REGION: 'us-east-1' }, 'kms-replicas');
  a = await startKmsHarness(cfg);
  b = await startKmsHarness(cfg);
  await a.ok(Q.create, { input: { identity: 'shared', type: 'AES256_GCM96' } });
});
afterAll(async () => {
  await a.stop();
  await b.stop();
});

const encryptOnB = () => b.gql(Q.encrypt, { input: { keyIdentity: 'shared', plaintext: b64('x') } });

it('disable on replica A blocks the very next request on replica B (whose material cache is warm); enable restores', async () => {
  const warm = await encryptOnB();
  expect(warm.status).toBe(200);
  const ct = warm.body.data.encrypt.ciphertext;
  await a.ok(Q.disable, { id: 'shared' });
  const blocked = await encryptOnB();
  expect(failure(blocked)).toMatchObject({ status: 400, code: 'KMS_KEY_NOT_ACTIVE' });
  expect(failure(blocked).extensions!.kmsKeyStatus).toBe('DISABLED');
  expect(failure(await b.gql(Q.decrypt, { input: { keyIdentity: 'shared', ciphertext: ct } }))).toMatchObject({ status: 400, code: 'KMS_KEY_NOT_ACTIVE' });
  await a.ok(Q.enable, { id: 'shared' });
  expect((await encryptOnB()).status).toBe(200);
});

it('schedule deletion on A blocks B at once; rotation on A is used by B on its next request', async () => {
  await a.ok(Q.schedule, { id: 'shared', days: 7 });
  expect(failure(await encryptOnB()).extensions!.kmsKeyStatus).toBe('PENDING_DELETION');
  await a.ok(Q.cancel, { id: 'shared' });
  await a.ok(Q.enable, { id: 'shared' });
  await a.ok(Q.rotate, { id: 'shared' });
  expect((await encryptOnB()).body.data.encrypt.keyVersion).toBe(2);
  await a.ok(Q.update, { input: { identity: 'shared', minDecryptionVersion: 2 } });
  const old = (await a.ok(Q.encrypt, { input: { keyIdentity: 'shared', plaintext: b64('y') } })).encrypt;
  expect(old.keyVersion).toBe(2);
});
