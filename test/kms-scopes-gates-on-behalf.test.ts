import { testConfig } from './support/env';
import { b64, failure, postGql } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-scopes'));
  for (const [identity, type] of [['enc', 'AES256_GCM96'], ['sig', 'ED25519'], ['hm', 'HMAC_SHA256']]) {
    await h.ok(Q.create, { input: { identity, type, exportable: true } });
  }
});
afterAll(async () => h.stop());

const tokenWith = async (scopes: string[], project = 'default') =>
  (await h.services.tokens.create({ name: 't', project, scopes, pathPrefixes: null, expiresAt: null })).token;

it('each operation needs its scope: without it 403 FORBIDDEN and an auth.denied event', async () => {
  const ct = (await h.ok(Q.encrypt, { input: { keyIdentity: 'enc', plaintext: b64('x') } })).encrypt.ciphertext;
  const cases: [string, string, Record<string, unknown>, string[]][] = [
    ['kmsKey', Q.get, { id: 'enc' }, ['kms:read']],
    ['kmsKeys', Q.list, {}, ['kms:read']],
    ['createKmsKey', Q.create, { input: { identity: 'new', type: 'AES256_GCM96' } }, ['kms:admin']],
    ['rotateKmsKey', Q.rotate, { id: 'enc' }, ['kms:admin']],
    ['disableKmsKey', Q.disable, { id: 'enc' }, ['kms:admin']],
    ['exportKmsKey', Q.export, { id: 'enc' }, ['kms:admin']],
    ['encrypt', Q.encrypt, { input: { keyIdentity: 'enc', plaintext: b64('x') } }, ['kms:encrypt']],
    ['encryptBatch', Q.encryptBatch, { id: 'enc', items: [{ plaintext: b64('x') }] }, ['kms:encrypt']],
    ['generateDataKey', Q.dataKey, { input: { keyIdentity: 'enc' } }, ['kms:encrypt']],
    ['decrypt', Q.decrypt, { input: { keyIdentity: 'enc', ciphertext: ct } }, ['kms:decrypt']],
    ['decryptBatch', Q.decryptBatch, { id: 'enc', items: [{ ciphertext: ct }] }, ['kms:decrypt']],
    ['reEncrypt', Q.reEncrypt, { input: { keyIdentity: 'enc', ciphertext: ct } }, ['kms:encrypt', 'kms:decrypt']],
    ['sign', Q.sign, { input: { keyIdentity: 'sig', message: b64('m') } }, ['kms:sign']],
    ['generateMac', Q.mac, { input: { keyIdentity: 'hm', message: b64('m') } }, ['kms:sign']],
  ];
  // A token with every other kms scope is refused; with exactly the needed scope(s) it works.
  const all = ['kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:admin'];
  for (const [name, q, vars, needed] of cases) {
    for (const missing of needed) {
      const token = await tokenWith(all.filter((s) => s !== missing));
      const r = await h.gql(q, vars, { token, headers: { 'x-request-id': `deny-${name}-${missing}` } });
      expect({ name, missing, ...failure(r) }).toMatchObject({ name, missing, status: 403, code: 'FORBIDDEN' });
      const [ev] = (await h.services.audit.query('default', { requestId: `deny-${name}-${missing}` }, 5, null)).events;
      expect(ev).toMatchObject({ action: 'auth.denied', outcome: 'DENIED', errorCode: 'FORBIDDEN' });
    }
    if (name === 'disableKmsKey' || name === 'rotateKmsKey') continue;
    // The key a kms:admin mutation returns is read with kms:read (KmsKey.* fields).
    const reads = name === 'createKmsKey' ? ['kms:read'] : [];
    const r = await h.gql(q, vars, { token: await tokenWith([...needed, ...reads]) });
    expect({ name, status: r.status, errors: r.body.errors }).toEqual({ name, status: 200, errors: undefined });
  }
});

it('kms feature gate off: 403 FEATURE_DISABLED with feature "kms", audited; back on: works', async () => {
  const token = await tokenWith(['kms:read', 'kms:encrypt'], 'gated');
  await h.ok(Q.create, { input: { identity: 'g', type: 'AES256_GCM96' } }, { token: await tokenWith(['kms:admin', 'kms:read'], 'gated') });
  await h.services.gates.set('gated', 'kms', false);
  for (const [q, vars] of [[Q.get, { id: 'g' }], [Q.encrypt, { input: { keyIdentity: 'g', plaintext: b64('x') } }]] as const) {
    const r = await h.gql(q, vars, { token, headers: { 'x-request-id': 'gate-off' } });
    expect(failure(r)).toMatchObject({ status: 403, code: 'FEATURE_DISABLED' });
    expect(failure(r).extensions!.feature).toBe('kms');
  }
  const [ev] = (await h.services.audit.query('gated', { requestId: 'gate-off' }, 5, null)).events;
  expect(ev).toMatchObject({ action: 'auth.denied', outcome: 'DENIED', errorCode: 'FEATURE_DISABLED' });
  await h.services.gates.set('gated', 'kms', true);
  expect((await h.ok(Q.get, { id: 'g' }, { token })).kmsKey.identity).toBe('g');
});

it('a token sees only its own project keys', async () => {
  const token = await tokenWith(['kms:read', 'kms:encrypt'], 'elsewhere');
  expect((await h.ok(Q.get, { id: 'enc' }, { token })).kmsKey).toBeNull();
  expect(failure(await h.gql(Q.encrypt, { input: { keyIdentity: 'enc', plaintext: b64('x') } }, { token }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
});

it('requests without the internal secret or with a bad token are 401', async () => {
  const noSecret = await postGql(h.url, '{ kmsKey(identity: "enc") { identity } }', {}, { token: h.config.rootToken });
  expect(noSecret.status).toBe(401);
  expect(failure(await h.gql(Q.get, { id: 'enc' }, { token: 'smk_0000000000000000_' + 'a'.repeat(43) }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
});
