import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { createClient, KmsKeyBoundSecretsDocument, ROOT_FIELD_DOCUMENTS, SecretsKmsError, SecretVersionsDocument, type SecretsKmsClient } from '../client/src';
import { startStack, type Stack } from './support/stack';

/**
 * Every method of the client, one per root field of the API schema, against the real stack: each
 * returns the field's value with its fields selected and binary outputs as bytes. A proxy records
 * the calls; the last test fails if a root field's method was never exercised.
 */
let stack: Stack;
let client: SecretsKmsClient;
const called = new Set<string>();
const utf8 = (s: string) => new TextEncoder().encode(s);

beforeAll(async () => {
  stack = await startStack({ label: 'client-methods', kms: true, secrets: true });
  const real = createClient({ url: stack.gatewayUrl, token: stack.rootToken });
  client = new Proxy(real, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in ROOT_FIELD_DOCUMENTS) called.add(prop);
      return Reflect.get(target, prop, receiver);
    },
  });
});
afterAll(async () => stack?.stop());

test('every Query and Mutation root field of schema/api.graphql has a method of the same name', () => {
  const schema = buildSchema(readFileSync(join(__dirname, '..', 'schema', 'api.graphql'), 'utf8'));
  const rootFields = [schema.getQueryType(), schema.getMutationType()].flatMap((t) => Object.keys(t?.getFields() ?? {}));
  expect(Object.keys(ROOT_FIELD_DOCUMENTS).sort()).toEqual(rootFields.sort());
  const real = createClient({ url: 'http://127.0.0.1:1/graphql', token: 't' }) as unknown as Record<string, unknown>;
  for (const f of rootFields) expect({ f, type: typeof real[f] }).toEqual({ f, type: 'function' });
});

test('platform: viewer, featureGates, setFeatureGate, createApiToken, apiTokens, revokeApiToken', async () => {
  expect(await client.viewer()).toMatchObject({ id: 'root', project: 'default' });
  expect(await client.featureGates()).toEqual({ secrets: true, kms: true });
  expect(await client.setFeatureGate({ feature: 'kms', enabled: true })).toEqual({ secrets: true, kms: true });

  const created = await client.createApiToken({ input: { name: 'svc', scopes: ['secrets:read'], pathPrefixes: ['app/'] } });
  expect(typeof created.token).toBe('string');
  expect(created.info).toMatchObject({ name: 'svc', scopes: ['secrets:read'], pathPrefixes: ['app/'], revoked: false, project: 'default' });
  const other = createClient({ url: stack.gatewayUrl, token: created.token });
  expect(await other.viewer()).toMatchObject({ id: created.info.id, scopes: ['secrets:read'] });

  expect((await client.apiTokens()).map((t) => t.id)).toContain(created.info.id);
  expect(await client.revokeApiToken({ id: created.info.id })).toBe(true);
  expect((await client.apiTokens()).find((t) => t.id === created.info.id)?.revoked).toBe(true);
  await expect(other.viewer()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
});

test('kms lifecycle: create, get, list, update, rotate, disable, enable, schedule and cancel deletion', async () => {
  const key = await client.createKmsKey({ input: { identity: 'sym', type: 'AES256_GCM96', description: 'for secrets' } });
  expect(key).toMatchObject({
    identity: 'sym', type: 'AES256_GCM96', purpose: 'ENCRYPT_DECRYPT', status: 'ACTIVE', description: 'for secrets',
    exportable: false, latestVersion: 1, minDecryptionVersion: 1, minEncryptionVersion: 0, region: 'us-east-1',
    autoRotatePeriodDays: null, deletionDate: null, publicKeyPem: null, lastUsedAt: null,
  });
  expect(key.versions).toEqual([{ version: 1, createdAt: expect.any(String) }]);
  expect(await client.kmsKey({ identity: 'sym' })).toEqual(key);
  expect(await client.kmsKey({ identity: 'absent' })).toBeNull();
  expect((await client.kmsKeys()).nodes.map((k) => k.identity)).toEqual(['sym']);
  expect((await client.updateKmsKey({ input: { identity: 'sym', autoRotatePeriodDays: 90 } })).autoRotatePeriodDays).toBe(90);
  expect((await client.rotateKmsKey({ identity: 'sym' })).latestVersion).toBe(2);

  await client.createKmsKey({ input: { identity: 'doomed', type: 'AES128_GCM96' } });
  expect((await client.disableKmsKey({ identity: 'doomed' })).status).toBe('DISABLED');
  expect((await client.enableKmsKey({ identity: 'doomed' })).status).toBe('ACTIVE');
  const pending = await client.scheduleKmsKeyDeletion({ identity: 'doomed', pendingWindowDays: 7 });
  expect(pending.status).toBe('PENDING_DELETION');
  expect((await client.disableKmsKey({ identity: 'sym', ifUnusedSinceDays: 30 })).status).toBe('DISABLED');
  await client.enableKmsKey({ identity: 'sym' });
  expect(Date.parse(pending.deletionDate!)).toBeGreaterThan(Date.now() + 6 * 86400_000);
  expect(await client.cancelKmsKeyDeletion({ identity: 'doomed' })).toMatchObject({ status: 'DISABLED', deletionDate: null });
});

test('kms crypto: encrypt, decrypt, reEncrypt, generateDataKey, encryptBatch, decryptBatch (per-item errors stay in the data)', async () => {
  const enc = await client.encrypt({ input: { keyIdentity: 'sym', plaintext: 'hello', associatedData: 'ctx' } });
  expect(enc).toMatchObject({ keyIdentity: 'sym', keyVersion: 2 });
  expect(enc.ciphertext).toMatch(/^kms:v2:/);
  const dec = await client.decrypt({ input: { keyIdentity: 'sym', ciphertext: enc.ciphertext, associatedData: 'ctx' } });
  expect(dec.plaintext).toBeInstanceOf(Uint8Array);
  expect(new TextDecoder().decode(dec.plaintext)).toBe('hello');
  const re = await client.reEncrypt({ input: { keyIdentity: 'sym', ciphertext: enc.ciphertext, associatedData: 'ctx' } });
  expect(re.ciphertext).toMatch(/^kms:v2:/);
  expect(re.ciphertext).not.toBe(enc.ciphertext);
  expect((await client.kmsKey({ identity: 'sym' }))?.lastUsedAt).toEqual(expect.any(String));

  const dk = await client.generateDataKey({ input: { keyIdentity: 'sym', bits: 128 } });
  expect(dk.plaintext).toHaveLength(16);
  expect((await client.decrypt({ input: { keyIdentity: 'sym', ciphertext: dk.ciphertext } })).plaintext).toEqual(dk.plaintext);

  const batch = await client.encryptBatch({ keyIdentity: 'sym', items: [{ plaintext: utf8('a') }, { plaintext: utf8('b'), associatedData: utf8('x') }] });
  expect(batch.map((b) => [b.index, b.error])).toEqual([[0, null], [1, null]]);
  const back = await client.decryptBatch({
    keyIdentity: 'sym',
    items: [{ ciphertext: batch[0].ciphertext! }, { ciphertext: batch[1].ciphertext! }, { ciphertext: 'kms:v1:AAAA' }],
  });
  expect(back[0].plaintext).toEqual(utf8('a'));
  expect(back[1]).toMatchObject({ index: 1, plaintext: null, error: { code: 'INVALID_CIPHERTEXT' } });
  expect(back[2]).toMatchObject({ index: 2, plaintext: null, error: { code: 'INVALID_CIPHERTEXT' } });
});

test('kms sign/verify, generateMac/verifyMac, exportKmsKey of an exportable key', async () => {
  const signer = await client.createKmsKey({ input: { identity: 'signer', type: 'ED25519' } });
  expect(signer.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  const sig = await client.sign({ input: { keyIdentity: 'signer', message: utf8('m') } });
  expect(sig).toMatchObject({ keyVersion: 1, signature: expect.stringMatching(/^kms:v1:/) });
  expect(await client.verify({ input: { keyIdentity: 'signer', message: 'm', signature: sig.signature } })).toEqual({ valid: true });
  expect(await client.verify({ input: { keyIdentity: 'signer', message: 'n', signature: sig.signature } })).toEqual({ valid: false });

  await client.createKmsKey({ input: { identity: 'mac', type: 'HMAC_SHA256' } });
  const mac = await client.generateMac({ input: { keyIdentity: 'mac', message: 'm' } });
  expect(mac.mac).toMatch(/^kms:v1:/);
  expect(await client.verifyMac({ input: { keyIdentity: 'mac', message: utf8('m'), mac: mac.mac } })).toEqual({ valid: true });

  await client.createKmsKey({ input: { identity: 'portable', type: 'AES256_GCM96', exportable: true } });
  const exported = await client.exportKmsKey({ identity: 'portable' });
  expect(exported.version).toBe(1);
  expect(exported.keyMaterial).toBeInstanceOf(Uint8Array);
  expect(exported.keyMaterial).toHaveLength(32);
});

test('secrets: create, get, list, put, reveal, batch reveal, update, delete/undelete/destroy versions, delete', async () => {
  const created = await client.createSecret({ input: { path: 'app/db', kmsKeyIdentity: 'sym', value: 'v1', tags: [{ key: 'team', value: 'core' }] } });
  expect(created).toMatchObject({
    path: 'app/db', region: 'us-east-1', kmsKeyIdentity: 'sym', currentVersion: 1, maxVersions: 100, description: null,
    kmsKey: { region: 'us-east-1', identity: 'sym', status: 'ACTIVE' }, tags: [{ key: 'team', value: 'core' }], lastAccessedAt: null,
  });
  expect(await client.secret({ path: 'app/db' })).toEqual(created);
  expect(await client.secret({ path: 'app/none' })).toBeNull();
  expect((await client.secrets({ pathPrefix: 'app/' })).nodes.map((s) => s.path)).toEqual(['app/db']);

  expect(await client.putSecretValue({ input: { path: 'app/db', value: 'v2', expectedVersion: 1 } })).toMatchObject({ version: 2, state: 'ENABLED', kmsKeyVersion: 2 });
  expect(await client.getSecretValue({ path: 'app/db' })).toMatchObject({ path: 'app/db', version: 2, value: 'v2' });
  expect((await client.getSecretValue({ path: 'app/db', version: 1 })).value).toBe('v1');
  expect((await client.secret({ path: 'app/db' }))?.lastAccessedAt).toEqual(expect.any(String));
  const batch = await client.batchGetSecretValue({ paths: ['app/db', 'app/none'] });
  expect(batch).toEqual([
    { path: 'app/db', value: 'v2', version: 2, error: null },
    { path: 'app/none', value: null, version: null, error: { code: 'NOT_FOUND', message: expect.any(String) } },
  ]);

  expect((await client.updateSecret({ input: { path: 'app/db', description: 'primary db' } })).description).toBe('primary db');
  await client.deleteSecretVersions({ path: 'app/db', versions: [1] });
  await expect(client.getSecretValue({ path: 'app/db', version: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await client.undeleteSecretVersions({ path: 'app/db', versions: [1] });
  expect((await client.getSecretValue({ path: 'app/db', version: 1 })).value).toBe('v1');
  await client.destroySecretVersions({ path: 'app/db', versions: [1] });
  await expect(client.getSecretValue({ path: 'app/db', version: 1 })).rejects.toBeInstanceOf(SecretsKmsError);

  // The exported documents for what the per-field methods leave out, through request().
  const versions = await client.request(SecretVersionsDocument, { path: 'app/db', first: 10 });
  expect(versions.secret?.versions.nodes.map((v) => [v.version, v.state])).toEqual([[2, 'ENABLED'], [1, 'DESTROYED']]);
  const bound = await client.request(KmsKeyBoundSecretsDocument, { identity: 'sym', accessedSince: new Date(Date.now() - 3600_000).toISOString() });
  expect(bound.kmsKey).toMatchObject({ identity: 'sym', boundSecretCount: 1, boundSecrets: { nodes: [{ path: 'app/db' }] } });

  const events = await client.auditEvents({ filter: { action: 'secrets.get_value', resource: 'secret:app/db' } });
  expect(events.nodes.length).toBeGreaterThanOrEqual(2);
  // Newest first: the failed reveal of the destroyed version, then the successful ones.
  expect(events.nodes[0]).toMatchObject({ action: 'secrets.get_value', outcome: 'FAILURE', errorCode: 'NOT_FOUND', project: 'default', resource: 'secret:app/db' });
  expect(events.nodes.some((e) => e.outcome === 'SUCCESS' && e.requestId.length > 0)).toBe(true);

  expect(await client.deleteSecret({ path: 'app/db' })).toBe(true);
  expect(await client.secret({ path: 'app/db' })).toBeNull();
});

test('every method was called at least once above', () => {
  expect(Object.keys(ROOT_FIELD_DOCUMENTS).filter((f) => !called.has(f))).toEqual([]);
});
