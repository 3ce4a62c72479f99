import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-batch'));
  await h.ok(Q.create, { input: { identity: 'b', type: 'CHACHA20_POLY1305' } });
  await h.ok(Q.create, { input: { identity: 'sig', type: 'ED25519' } });
});
afterAll(async () => h.stop());

it('encryptBatch / decryptBatch keep order and index; bad items fail alone with {code, message}', async () => {
  const enc = (await h.ok(Q.encryptBatch, { id: 'b', items: [
    { plaintext: b64('zero') },
    { plaintext: 'not-base64' },
    { plaintext: b64('two'), associatedData: b64('ad') },
  ] }, { headers: { 'x-request-id': 'batch-enc' } })).encryptBatch;
  expect(enc.map((r: any) => r.index)).toEqual([0, 1, 2]);
  expect(enc[0]).toMatchObject({ keyVersion: 1, error: null, plaintext: null });
  expect(enc[1]).toMatchObject({ ciphertext: null, keyVersion: null, error: { code: 'BAD_USER_INPUT' } });
  expect(enc[2].ciphertext).toMatch(/^kms:v1:/);
  const [ev] = (await h.services.audit.query('default', { requestId: 'batch-enc' }, 5, null)).events;
  expect(ev).toMatchObject({ action: 'kms.encrypt', outcome: 'SUCCESS', keyVersion: 1 });

  const dec = (await h.ok(Q.decryptBatch, { id: 'b', items: [
    { ciphertext: enc[2].ciphertext, associatedData: b64('ad') },
    { ciphertext: enc[0].ciphertext, associatedData: b64('wrong') },
    { ciphertext: 'junk' },
    { ciphertext: enc[0].ciphertext },
    { ciphertext: enc[2].ciphertext, associatedData: '***' },
  ] })).decryptBatch;
  expect(dec.map((r: any) => [r.index, r.plaintext, r.error?.code ?? null])).toEqual([
    [0, b64('two'), null],
    [1, null, 'INVALID_CIPHERTEXT'],
    [2, null, 'INVALID_CIPHERTEXT'],
    [3, b64('zero'), null],
    [4, null, 'BAD_USER_INPUT'],
  ]);
  expect(dec[0].keyVersion).toBe(1);
  expect(typeof dec[1].error.message).toBe('string');
});

it('1000 items pass, 1001 are refused with 400 BAD_USER_INPUT', async () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ plaintext: b64(`p${i}`) }));
  const ok = (await h.ok(Q.encryptBatch, { id: 'b', items })).encryptBatch;
  expect(ok).toHaveLength(1000);
  expect(ok[999].index).toBe(999);
  const dec = (await h.ok(Q.decryptBatch, { id: 'b', items: ok.map((r: any) => ({ ciphertext: r.ciphertext })) })).decryptBatch;
  expect(Buffer.from(dec[999].plaintext, 'base64').toString()).toBe('p999');
  const tooMany = [...items, { plaintext: b64('x') }];
  expect(failure(await h.gql(Q.encryptBatch, { id: 'b', items: tooMany }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect(failure(await h.gql(Q.decryptBatch, { id: 'b', items: tooMany.map(() => ({ ciphertext: 'x' })) }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
});

it('key-level failures fail the whole batch: unknown key 404, wrong type 400, disabled 400 KMS_KEY_NOT_ACTIVE', async () => {
  expect(failure(await h.gql(Q.encryptBatch, { id: 'nope', items: [{ plaintext: b64('x') }] }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  expect(failure(await h.gql(Q.encryptBatch, { id: 'sig', items: [{ plaintext: b64('x') }] }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_KEY_TYPE' });
  await h.ok(Q.disable, { id: 'b' });
  const r = await h.gql(Q.decryptBatch, { id: 'b', items: [{ ciphertext: 'x' }] });
  expect(failure(r)).toMatchObject({ status: 400, code: 'KMS_KEY_NOT_ACTIVE' });
  expect(failure(r).extensions!.kmsKeyStatus).toBe('DISABLED');
  await h.ok(Q.enable, { id: 'b' });
});
