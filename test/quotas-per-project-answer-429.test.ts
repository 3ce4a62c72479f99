import { KeyStore, keyMetadataMac } from '../subgraphs/kms/store/keyStore';
import { failure, type GqlResponse } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * Per-project quotas on keys (per region), key versions, tokens, secrets and stored value bytes:
 * a create, rotate or put beyond one answers 429 QUOTA_EXCEEDED naming it in `extensions.quota`
 * and changes nothing; deleting (revoking, destroying) gives the place back.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    label: 'quotas',
    kms: true,
    secrets: true,
    env: { QUOTA_KEYS: '2', QUOTA_KEY_VERSIONS: '3', QUOTA_TOKENS: '2', QUOTA_SECRETS: '2', QUOTA_STORED_BYTES: '10' },
  });
});
afterAll(() => stack?.stop());

function expectQuota(r: GqlResponse, quota: string, limit: number) {
  expect(failure(r)).toMatchObject({ status: 429, code: 'QUOTA_EXCEEDED', extensions: { quota, limit } });
}

const createKey = (identity: string) => `mutation { createKmsKey(input: { identity: "${identity}", type: AES256_GCM96 }) { identity } }`;

it('keys: a project at its keys quota in a region cannot create another there; other regions have their own', async () => {
  const t = await stack.token(['*'], { project: 'q-keys' });
  await stack.ok(createKey('a'), {}, { token: t.token });
  await stack.ok(createKey('b'), {}, { token: t.token });
  expectQuota(await stack.gql(createKey('c'), {}, { token: t.token }), 'keys', 2);
  expect((await stack.ok(`{ kmsKey(identity: "c") { identity } }`, {}, { token: t.token })).kmsKey).toBeNull();
  // Retrying an existing identity is still ALREADY_EXISTS, not a quota error.
  expect(failure(await stack.gql(createKey('a'), {}, { token: t.token })).code).toBe('ALREADY_EXISTS');
  await stack.ok(createKey('c'), {}, { token: t.token, region: 'eu-west-1' });
  // The sweeper's destruction of a key's material (its deletion window passed) gives the place back.
  const store = new KeyStore(stack.services.get('kms-us-east-1')!.redis, keyMetadataMac(stack.services.get('kms-us-east-1')!.config.kmsRootKey!));
  const ref = { region: 'us-east-1', project: 'q-keys', identity: 'a' };
  const rec = (await store.get(ref))!;
  expect(await store.commit(rec.rev, { ...rec, status: 'PENDING_DELETION', materialDestroyed: true, rev: rec.rev + 1 }, { destroyRing: true })).toBe(true);
  await stack.ok(createKey('c'), {}, { token: t.token });
});

it('keyVersions: rotation stops at the quota of versions per key', async () => {
  const t = await stack.token(['*'], { project: 'q-versions' });
  await stack.ok(createKey('k'), {}, { token: t.token });
  const rotate = `mutation { rotateKmsKey(identity: "k") { latestVersion } }`;
  expect((await stack.ok(rotate, {}, { token: t.token })).rotateKmsKey.latestVersion).toBe(2);
  expect((await stack.ok(rotate, {}, { token: t.token })).rotateKmsKey.latestVersion).toBe(3);
  expectQuota(await stack.gql(rotate, {}, { token: t.token }), 'keyVersions', 3);
  expect((await stack.ok(`{ kmsKey(identity: "k") { latestVersion versions { version } } }`, {}, { token: t.token })).kmsKey).toEqual({
    latestVersion: 3,
    versions: [{ version: 1 }, { version: 2 }, { version: 3 }],
  });
});

it('tokens: a project at its tokens quota cannot create another until one is revoked', async () => {
  const admin = await stack.token(['*'], { project: 'q-tokens' });
  const second = await stack.token(['secrets:read'], { project: 'q-tokens', as: admin.token });
  const create = `mutation { createApiToken(input: { name: "third", scopes: ["secrets:read"] }) { info { id } } }`;
  expectQuota(await stack.gql(create, {}, { token: admin.token }), 'tokens', 2);
  await stack.ok(`mutation { revokeApiToken(id: "${second.id}") }`, {}, { token: admin.token });
  await stack.ok(create, {}, { token: admin.token });
});

it('secrets: a project at its secrets quota cannot create another until one is deleted', async () => {
  const t = await stack.token(['*'], { project: 'q-secrets' });
  await stack.ok(createKey('k'), {}, { token: t.token });
  const create = (path: string) => `mutation { createSecret(input: { path: "${path}", kmsKeyIdentity: "k" }) { path } }`;
  await stack.ok(create('s1'), {}, { token: t.token });
  await stack.ok(create('s2'), {}, { token: t.token });
  expectQuota(await stack.gql(create('s3'), {}, { token: t.token }), 'secrets', 2);
  expect((await stack.ok(`{ secret(path: "s3") { path } }`, {}, { token: t.token })).secret).toBeNull();
  await stack.ok(`mutation { deleteSecret(path: "s1") }`, {}, { token: t.token });
  await stack.ok(create('s3'), {}, { token: t.token });
});

it('storedBytes: a put that would pass the bytes quota is refused; destroying a version frees its bytes', async () => {
  const t = await stack.token(['*'], { project: 'q-bytes' });
  await stack.ok(createKey('k'), {}, { token: t.token });
  await stack.ok(`mutation { createSecret(input: { path: "s", kmsKeyIdentity: "k", value: "12345678" }) { path } }`, {}, { token: t.token });
  const put = `mutation { putSecretValue(input: { path: "s", value: "abc" }) { version } }`;
  expectQuota(await stack.gql(put, {}, { token: t.token }), 'storedBytes', 10);
  // A secret created with a value counts too.
  expectQuota(await stack.gql(`mutation { createSecret(input: { path: "t", kmsKeyIdentity: "k", value: "abc" }) { path } }`, {}, { token: t.token }), 'storedBytes', 10);
  const secret = await stack.ok(`{ secret(path: "s") { currentVersion } }`, {}, { token: t.token });
  expect(secret.secret.currentVersion).toBe(1);
  await stack.ok(`mutation { destroySecretVersions(path: "s", versions: [1]) { path } }`, {}, { token: t.token });
  expect((await stack.ok(put, {}, { token: t.token })).putSecretValue.version).toBe(2);
  // Deleting the secret frees its values' bytes as well.
  await stack.ok(`mutation { deleteSecret(path: "s") }`, {}, { token: t.token });
  await stack.ok(`mutation { createSecret(input: { path: "s", kmsKeyIdentity: "k", value: "0123456789" }) { path } }`, {}, { token: t.token });
});
