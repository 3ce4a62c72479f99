import { startStack, type Stack } from './support/stack';

/**
 * Seed, "Key binding" and "Supported key types": the key is chosen at create, must exist in the
 * secret's region (NOT_FOUND / KEY_REGION_MISMATCH), be a symmetric encryption key
 * (UNSUPPORTED_KEY_TYPE for asymmetric and HMAC keys) and ACTIVE; afterwards it never changes
 * (IMMUTABLE_FIELD). `region` defaults to the request's region.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-binding', kms: true, secrets: true });
  const keys: [string, string, string][] = [
    ['us-east-1', 'aes128', 'AES128_GCM96'],
    ['us-east-1', 'aes256', 'AES256_GCM96'],
    ['us-east-1', 'chacha', 'CHACHA20_POLY1305'],
    ['us-east-1', 'signer', 'ED25519'],
    ['us-east-1', 'ecdsa', 'ECDSA_P256'],
    ['us-east-1', 'rsa', 'RSA_2048'],
    ['us-east-1', 'mac', 'HMAC_SHA256'],
    ['us-east-1', 'sleepy', 'AES256_GCM96'],
    ['eu-west-1', 'eu-only', 'AES256_GCM96'],
  ];
  for (const [region, identity, type] of keys) {
    await stack.ok(`mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`, { i: { identity, type } }, { region });
  }
  await stack.ok(`mutation { disableKmsKey(identity: "sleepy") { status } }`);
});
afterAll(async () => stack?.stop());

const CREATE = `mutation($i: CreateSecretInput!) { createSecret(input: $i) { path region kmsKeyIdentity kmsKey { region identity type } } }`;

async function create(input: Record<string, unknown>, region?: string) {
  return stack.gql(CREATE, { i: input }, { region });
}

test.each(['aes128', 'aes256', 'chacha'])('symmetric key %s can be bound', async (key) => {
  const r = await create({ path: `bind/${key}`, kmsKeyIdentity: key, value: 'v' });
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data.createSecret).toMatchObject({ region: 'us-east-1', kmsKeyIdentity: key, kmsKey: { region: 'us-east-1', identity: key } });
});

test.each(['signer', 'ecdsa', 'rsa', 'mac'])('asymmetric / HMAC key %s → 400 UNSUPPORTED_KEY_TYPE, nothing created', async (key) => {
  const r = await create({ path: `bind/bad-${key}`, kmsKeyIdentity: key });
  expect(r.status).toBe(400);
  expect(r.body.errors?.[0].extensions?.code).toBe('UNSUPPORTED_KEY_TYPE');
  expect((await stack.ok(`query($p: String!) { secret(path: $p) { path } }`, { p: `bind/bad-${key}` })).secret).toBeNull();
});

test('absent key → 404 NOT_FOUND', async () => {
  const r = await create({ path: 'bind/none', kmsKeyIdentity: 'no-such-key' });
  expect(r.status).toBe(404);
  expect(r.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
});

test('key only in another region → 400 KEY_REGION_MISMATCH; in its own region it binds', async () => {
  const wrong = await create({ path: 'bind/eu', kmsKeyIdentity: 'eu-only' });
  expect(wrong.status).toBe(400);
  expect(wrong.body.errors?.[0].extensions?.code).toBe('KEY_REGION_MISMATCH');
  const explicit = await create({ path: 'bind/eu', kmsKeyIdentity: 'eu-only', region: 'eu-west-1', value: 'hello eu' });
  expect(explicit.body.data.createSecret).toMatchObject({ region: 'eu-west-1', kmsKey: { region: 'eu-west-1', identity: 'eu-only', type: 'AES256_GCM96' } });
  // region defaults to the request's region (x-region).
  const viaHeader = await create({ path: 'bind/eu-header', kmsKeyIdentity: 'eu-only' }, 'eu-west-1');
  expect(viaHeader.body.data.createSecret.region).toBe('eu-west-1');
  const v = await stack.ok(`{ getSecretValue(path: "bind/eu") { value } }`);
  expect(v.getSecretValue.value).toBe('hello eu');
});

test('disabled key → 400 KMS_KEY_NOT_ACTIVE at create', async () => {
  const r = await create({ path: 'bind/sleepy', kmsKeyIdentity: 'sleepy' });
  expect(r.status).toBe(400);
  expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'DISABLED' });
});

test('path taken → 409 ALREADY_EXISTS', async () => {
  const r = await create({ path: 'bind/aes256', kmsKeyIdentity: 'aes128' });
  expect(r.status).toBe(409);
  expect(r.body.errors?.[0].extensions?.code).toBe('ALREADY_EXISTS');
});

test('updateSecret with a different kmsKeyIdentity → 400 IMMUTABLE_FIELD (field, "new path"); binding unchanged', async () => {
  const r = await stack.gql(`mutation { updateSecret(input: { path: "bind/aes256", kmsKeyIdentity: "aes128", description: "x" }) { kmsKeyIdentity } }`);
  expect(r.status).toBe(400);
  expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'IMMUTABLE_FIELD', field: 'kmsKeyIdentity' });
  expect(r.body.errors?.[0].message).toMatch(/create a new secret at a new path/);
  const after = await stack.ok(`{ secret(path: "bind/aes256") { kmsKeyIdentity description } }`);
  expect(after.secret).toEqual({ kmsKeyIdentity: 'aes256', description: null });
  // Naming the same key, or none, is a normal metadata update.
  const ok = await stack.ok(
    `mutation { updateSecret(input: { path: "bind/aes256", kmsKeyIdentity: "aes256", description: "d", tags: [{ key: "env", value: "prod" }], maxVersions: 5 }) { kmsKeyIdentity description tags { key value } maxVersions } }`,
  );
  expect(ok.updateSecret).toEqual({ kmsKeyIdentity: 'aes256', description: 'd', tags: [{ key: 'env', value: 'prod' }], maxVersions: 5 });
});

test('bad input is 400 BAD_USER_INPUT before anything is touched', async () => {
  for (const input of [
    { path: '../etc', kmsKeyIdentity: 'aes256' },
    { path: 'a//b', kmsKeyIdentity: 'aes256' },
    { path: 'ok/path', kmsKeyIdentity: 'Bad_Key' },
    { path: 'ok/path', kmsKeyIdentity: 'aes256', region: 'mars-north-1' },
    { path: 'ok/path', kmsKeyIdentity: 'aes256', value: 'x'.repeat(64 * 1024 + 1) },
  ]) {
    const r = await create(input);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  }
});

test('secrets listing: filters pathPrefix / region / kmsKeyIdentity and cursor pagination', async () => {
  const list = async (args: string) => (await stack.ok(`{ secrets(${args}) { nodes { path } pageInfo { endCursor hasNextPage } } }`)).secrets;
  expect((await list('region: "eu-west-1"')).nodes.map((n: any) => n.path)).toEqual(['bind/eu', 'bind/eu-header']);
  expect((await list('kmsKeyIdentity: "aes256"')).nodes.map((n: any) => n.path)).toEqual(['bind/aes256']);
  expect((await list('region: "us-east-1", kmsKeyIdentity: "eu-only"')).nodes).toEqual([]);
  const all = (await list('pathPrefix: "bind/"')).nodes.map((n: any) => n.path);
  expect(all).toEqual(['bind/aes128', 'bind/aes256', 'bind/chacha', 'bind/eu', 'bind/eu-header']);
  const seen: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 10; i++) {
    const page: any = (await stack.ok(`query($a: String) { secrets(pathPrefix: "bind/", first: 2, after: $a) { nodes { path } pageInfo { endCursor hasNextPage } } }`, { a: after })).secrets;
    seen.push(...page.nodes.map((n: any) => n.path));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(seen).toEqual(all);
  const bad = await stack.gql(`{ secrets(first: 500) { nodes { path } } }`);
  expect([bad.status, bad.body.errors?.[0].extensions?.code]).toEqual([400, 'BAD_USER_INPUT']);
});
