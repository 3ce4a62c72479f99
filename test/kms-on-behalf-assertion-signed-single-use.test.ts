import { createAssertion, onBehalfKey, type OnBehalfOperation } from '../shared/onBehalfOf';
import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';
import { startStack, type Stack } from './support/stack';

/**
 * The secrets service acts at KMS on a caller's behalf only with a fresh MAC'd assertion for one
 * operation: accepted once, before it expires, for the request id and root field it names.
 */
let h: KmsHarness;
let key: Buffer;
const caller = { tokenId: 'abcdef0123456789', project: 'default' };
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-obo'));
  key = onBehalfKey(h.config.serviceCredential!);
  await h.ok(Q.create, { input: { identity: 'enc', type: 'AES256_GCM96', exportable: true } });
  await h.ok(Q.create, { input: { identity: 'sig', type: 'ED25519' } });
});
afterAll(async () => h.stop());

let n = 0;
const rid = () => `obo-${++n}`;
const assertion = (operation: OnBehalfOperation, requestId: string, opts: { now?: number; project?: string } = {}) =>
  createAssertion(key, { ...caller, project: opts.project ?? caller.project, requestId, operation }, opts.now);
/** A call as the secrets service makes it: no bearer token, the assertion in x-on-behalf-of. */
const asSecrets = (q: string, vars: Record<string, unknown>, requestId: string, obo: string | undefined) =>
  h.gql(q, vars, { token: null, headers: { 'x-request-id': requestId, ...(obo === undefined ? {} : { 'x-on-behalf-of': obo }) } });
const encryptVars = { input: { keyIdentity: 'enc', plaintext: b64('s'), associatedData: b64('secret:a/b#1') } };
const denials = async (requestId: string) =>
  (await h.services.audit.query('default', { requestId }, 5, null)).events.filter((e) => e.action === 'auth.denied');

it('encrypt, decrypt and the key lookup each work with their own assertion; the audit names the caller via "secrets"', async () => {
  const r1 = rid();
  const e = (await h.ok(Q.encrypt, encryptVars, { token: null, headers: { 'x-request-id': r1, 'x-on-behalf-of': assertion('encrypt', r1) } })).encrypt;
  const r2 = rid();
  const d = (await h.ok(Q.decrypt, { input: { ...encryptVars.input, ciphertext: e.ciphertext, plaintext: undefined } }, { token: null, headers: { 'x-request-id': r2, 'x-on-behalf-of': assertion('decrypt', r2) } })).decrypt;
  expect(d.plaintext).toBe(b64('s'));
  const [ev] = (await h.services.audit.query('default', { requestId: r2 }, 5, null)).events;
  expect(ev).toMatchObject({ action: 'kms.decrypt', actor: caller.tokenId, via: 'secrets', outcome: 'SUCCESS', keyVersion: 1 });
  const r3 = rid();
  expect((await h.ok(Q.get, { id: 'enc' }, { token: null, headers: { 'x-request-id': r3, 'x-on-behalf-of': assertion('getKey', r3) } })).kmsKey.identity).toBe('enc');
  // It acts in the asserted project: another project sees no such key.
  const r4 = rid();
  expect((await h.ok(Q.get, { id: 'enc' }, { token: null, headers: { 'x-request-id': r4, 'x-on-behalf-of': assertion('getKey', r4, { project: 'someone-else' }) } })).kmsKey).toBeNull();
});

it('a replayed assertion is 401 and audited', async () => {
  const r = rid();
  const obo = assertion('encrypt', r);
  expect((await asSecrets(Q.encrypt, encryptVars, r, obo)).status).toBe(200);
  expect(failure(await asSecrets(Q.encrypt, encryptVars, r, obo))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  expect(await denials(r)).toEqual([expect.objectContaining({ outcome: 'DENIED', errorCode: 'UNAUTHENTICATED', actor: caller.tokenId, via: 'secrets' })]);
});

it('an expired assertion is 401 and audited', async () => {
  const r = rid();
  expect(failure(await asSecrets(Q.encrypt, encryptVars, r, assertion('encrypt', r, { now: Date.now() - 31_000 })))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  expect(await denials(r)).toHaveLength(1);
});

it('an altered assertion (any field) is 401', async () => {
  const r = rid();
  const [payload, mac] = assertion('getKey', r).split('.');
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString());
  for (const change of [{ prj: 'other' }, { tid: 'ffffffffffffffff' }, { op: 'decrypt' }, { exp: body.exp + 60_000 }, { rid: 'obo-x' }]) {
    const forged = `${Buffer.from(JSON.stringify({ ...body, ...change })).toString('base64url')}.${mac}`;
    expect({ change, ...failure(await asSecrets(Q.get, { id: 'enc' }, r, forged)) }).toMatchObject({ change, status: 401, code: 'UNAUTHENTICATED' });
  }
  // Signed with another key (e.g. derived from a guessed credential).
  const other = createAssertion(onBehalfKey('x'.repeat(40)), { ...caller, requestId: r, operation: 'getKey' });
  expect(failure(await asSecrets(Q.get, { id: 'enc' }, r, other))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
});

it('an assertion used for another operation, another request id or more than one root field is 401', async () => {
  const cases: [string, string, Record<string, unknown>, OnBehalfOperation][] = [
    ['encrypt assertion used for decrypt', Q.decrypt, { input: { keyIdentity: 'enc', ciphertext: 'x' } }, 'encrypt'],
    ['encrypt assertion used for exportKmsKey', Q.export, { id: 'enc' }, 'encrypt'],
    ['encrypt assertion used for sign', Q.sign, { input: { keyIdentity: 'sig', message: b64('m') } }, 'encrypt'],
    ['decrypt assertion used for disableKmsKey', Q.disable, { id: 'enc' }, 'decrypt'],
    ['getKey assertion used for kmsKeys', Q.list, {}, 'getKey'],
    ['encrypt assertion with a second root field', 'mutation($input: EncryptInput!) { encrypt(input: $input) { ciphertext } again: encrypt(input: $input) { ciphertext } }', encryptVars, 'encrypt'],
    ['getKey assertion with the key read twice', 'query { kmsKey(identity: "enc") { identity } kmsKeys { nodes { identity } } }', {}, 'getKey'],
  ];
  for (const [name, q, vars, op] of cases) {
    const r = rid();
    expect({ name, ...failure(await asSecrets(q, vars, r, assertion(op, r))) }).toMatchObject({ name, status: 401, code: 'UNAUTHENTICATED' });
    expect({ name, denials: (await denials(r)).length }).toEqual({ name, denials: 1 });
  }
  const r = rid();
  expect(failure(await asSecrets(Q.encrypt, encryptVars, r, assertion('encrypt', 'obo-other')))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
});

it('a missing assertion, or the unsigned claim of old, is 401 (no fallback to a bearer token)', async () => {
  const unsigned = Buffer.from(JSON.stringify(caller)).toString('base64url');
  const cases: Record<string, string>[] = [
    { 'x-service-credential': h.config.serviceCredential! },
    { 'x-service-credential': h.config.serviceCredential!, 'x-on-behalf-of': unsigned },
    { 'x-on-behalf-of': unsigned },
    { 'x-service-credential': 'x'.repeat(40), 'x-on-behalf-of': assertion('getKey', 'obo-wrong-cred') },
  ];
  for (const headers of cases) {
    const r = await h.gql(Q.get, { id: 'enc' }, { headers: { 'x-request-id': 'obo-wrong-cred', ...headers } });
    expect({ headers: Object.keys(headers), ...failure(r) }).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  }
});

it('with no SERVICE_CREDENTIAL configured, every assertion is refused', async () => {
  const other = await startKmsHarness(testConfig({ REGION: 'us-east-1', SERVICE_CREDENTIAL: undefined }, 'kms-obo-nocred'));
  try {
    const r = await other.gql(Q.get, { id: 'enc' }, { token: null, headers: { 'x-request-id': 'nocred', 'x-on-behalf-of': assertion('getKey', 'nocred') } });
    expect(failure(r)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  } finally {
    await other.stop();
  }
});

describe('through the whole stack', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'obo-stack', kms: true, secrets: true });
  });
  afterAll(async () => stack.stop());

  it('a put and a reveal still work, each KMS call carrying its own assertion', async () => {
    const { token } = await stack.token(['secrets:read_value', 'secrets:write', 'kms:admin']);
    await stack.ok('mutation { createKmsKey(input: { identity: "k", type: AES256_GCM96 }) { identity } }', {}, { token });
    await stack.ok('mutation { createSecret(input: { path: "app/db", kmsKeyIdentity: "k", value: "one" }) { path } }', {}, { token });
    await stack.ok('mutation { putSecretValue(input: { path: "app/db", value: "two" }) { version } }', {}, { token });
    expect((await stack.ok('query { getSecretValue(path: "app/db") { value version } }', {}, { token })).getSecretValue).toEqual({ value: 'two', version: 2 });
  });
});
