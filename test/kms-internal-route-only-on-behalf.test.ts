import { createAssertion, INTERNAL_KMS_PATHS, onBehalfKey, type OnBehalfOperation } from '../shared/onBehalfOf';
import { testConfig } from './support/env';
import { b64 } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/**
 * The KMS's lean internal routes (`POST /internal/v1/{encrypt,decrypt,decryptBatch}`, used by the
 * secrets service instead of a GraphQL request) are no back door: the internal secret, then an
 * authentic single-use on-behalf-of assertion for exactly the operation the path names, else 401
 * (a bearer token alone never works there). Accepted calls run the same checks and write the same
 * kms.* audit event (caller as actor, via "secrets") as the GraphQL mutations.
 */
let h: KmsHarness;
let key: Buffer;
const caller = { tokenId: 'fedcba9876543210', project: 'default' };
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-internal'));
  key = onBehalfKey(h.config.serviceCredential!);
  await h.ok(Q.create, { input: { identity: 'enc', type: 'AES256_GCM96' } });
});
afterAll(async () => h.stop());

let n = 0;
const rid = () => `internal-${++n}`;
const assertion = (operation: OnBehalfOperation, requestId: string) => createAssertion(key, { ...caller, requestId, operation });

async function post(op: keyof typeof INTERNAL_KMS_PATHS, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const r = await fetch(new URL(INTERNAL_KMS_PATHS[op], h.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-internal-secret': h.config.internalSecret, ...headers },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}
const asSecrets = (op: keyof typeof INTERNAL_KMS_PATHS, body: unknown, requestId: string, obo = assertion(op, requestId)) =>
  post(op, body, { 'x-request-id': requestId, 'x-on-behalf-of': obo });
const aad = b64('secret:a/b#1');
const events = async (requestId: string) => (await h.services.audit.query('default', { requestId }, 10, null)).events;

it('encrypt, decrypt and decryptBatch answer like the mutations and are audited with the caller as actor, via secrets', async () => {
  const r1 = rid();
  const e = await asSecrets('encrypt', { input: { keyIdentity: 'enc', plaintext: b64('hello'), associatedData: aad } }, r1);
  expect(e.status).toBe(200);
  expect(e.body.data.encrypt).toMatchObject({ keyIdentity: 'enc', keyVersion: 1, ciphertext: expect.stringMatching(/^kms:v1:/) });
  const ciphertext = e.body.data.encrypt.ciphertext as string;
  const r2 = rid();
  const d = await asSecrets('decrypt', { input: { keyIdentity: 'enc', ciphertext, associatedData: aad } }, r2);
  expect(d.body.data.decrypt).toMatchObject({ keyVersion: 1, plaintext: b64('hello') });
  const r3 = rid();
  const b = await asSecrets('decryptBatch', { keyIdentity: 'enc', items: [{ ciphertext, associatedData: aad }, { ciphertext, associatedData: b64('other') }] }, r3);
  expect(b.body.data.decryptBatch).toEqual([
    expect.objectContaining({ index: 0, plaintext: b64('hello'), keyVersion: 1, error: null }),
    expect.objectContaining({ index: 1, plaintext: null, error: expect.objectContaining({ code: 'INVALID_CIPHERTEXT' }) }),
  ]);
  // Asked for text (the secrets service), the plaintexts come as plaintextUtf8, never as base64 `plaintext`.
  const r4 = rid();
  const t = await asSecrets('decryptBatch', { keyIdentity: 'enc', items: [{ ciphertext, associatedData: aad }, { ciphertext, associatedData: b64('other') }], plaintextEncoding: 'utf8' }, r4);
  expect(t.body.data.decryptBatch).toEqual([
    { index: 0, ciphertext: null, keyVersion: 1, plaintextUtf8: 'hello', error: null },
    { index: 1, ciphertext: null, keyVersion: null, plaintextUtf8: null, error: expect.objectContaining({ code: 'INVALID_CIPHERTEXT' }) },
  ]);
  for (const [r, action] of [[r1, 'kms.encrypt'], [r2, 'kms.decrypt'], [r3, 'kms.decrypt'], [r4, 'kms.decrypt']] as const) {
    expect(await events(r)).toEqual([expect.objectContaining({ action, outcome: 'SUCCESS', actor: caller.tokenId, via: 'secrets', resource: 'kms-key:us-east-1/enc' })]);
  }
});

it('errors keep their code and status: an unknown key is NOT_FOUND, a bad body BAD_USER_INPUT, and both are audited as today', async () => {
  const r = rid();
  const missing = await asSecrets('decrypt', { input: { keyIdentity: 'nope', ciphertext: 'kms:v1:AAAA', associatedData: aad } }, r);
  expect(missing).toMatchObject({ status: 404, body: { data: null, errors: [{ extensions: { code: 'NOT_FOUND' } }] } });
  expect(await events(r)).toEqual([expect.objectContaining({ action: 'kms.decrypt', outcome: 'FAILURE', errorCode: 'NOT_FOUND' })]);
  const bad = await asSecrets('decrypt', { input: { keyIdentity: 'enc', ciphertext: 42 } }, rid());
  expect(bad).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
});

it('refused without the internal secret, with a bearer token alone, with an assertion for another operation, or replayed', async () => {
  const body = { input: { keyIdentity: 'enc', plaintext: b64('x'), associatedData: aad } };
  const r1 = rid();
  expect((await post('encrypt', body, { 'x-internal-secret': 'wrong', 'x-request-id': r1, 'x-on-behalf-of': assertion('encrypt', r1) })).status).toBe(401);
  expect((await post('encrypt', body, { authorization: `Bearer ${h.config.rootToken}`, 'x-request-id': rid() })).status).toBe(401);
  const r2 = rid();
  const wrongOp = await asSecrets('encrypt', body, r2, assertion('decrypt', r2));
  expect(wrongOp).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
  expect(await events(r2)).toEqual([expect.objectContaining({ action: 'auth.denied', outcome: 'DENIED', errorCode: 'UNAUTHENTICATED', via: 'secrets' })]);
  const r3 = rid();
  const once = assertion('encrypt', r3);
  expect((await asSecrets('encrypt', body, r3, once)).status).toBe(200);
  expect((await asSecrets('encrypt', body, r3, once)).status).toBe(401);
  // A GET, or a path that names no operation, is not found.
  expect((await fetch(new URL('/internal/v1/encrypt', h.url), { headers: { 'x-internal-secret': h.config.internalSecret } })).status).toBe(404);
});
