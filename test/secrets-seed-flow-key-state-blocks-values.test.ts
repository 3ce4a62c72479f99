import { startStack, type Stack } from './support/stack';

/**
 * The seed's flow and its "Key state impact" table, through the gateway: create key → create
 * secret → put → reveal → disable key → reveal and put fail with 400 KMS_KEY_NOT_ACTIVE while the
 * metadata (secret, secrets, versions, kmsKey { status }) stays readable → enable → works again.
 * Same for PENDING_DELETION.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-seed', kms: true, secrets: true });
});
afterAll(async () => stack?.stop());

const REVEAL = `query($path: String!, $version: Int) { getSecretValue(path: $path, version: $version) { path version value createdAt } }`;
const PUT = `mutation($input: PutSecretValueInput!) { putSecretValue(input: $input) { version state kmsKeyVersion createdAt } }`;
const METADATA = `query($path: String!) {
  secret(path: $path) { path region kmsKeyIdentity currentVersion maxVersions kmsKey { region identity status }
                        versions { nodes { version state kmsKeyVersion } pageInfo { hasNextPage } } }
  secrets(pathPrefix: "seed/") { nodes { path kmsKey { status } } }
}`;

async function keyOp(op: string, identity: string, extra = '') {
  return stack.ok(`mutation { ${op}(identity: "${identity}"${extra}) { status } }`);
}

test('seed flow: values need an ACTIVE key, metadata never does; re-enabling restores', async () => {
  await stack.ok(`mutation { createKmsKey(input: { identity: "payments", type: AES256_GCM96 }) { identity status } }`);
  const created = await stack.ok(
    `mutation($input: CreateSecretInput!) { createSecret(input: $input) { path region kmsKeyIdentity currentVersion maxVersions createdAt kmsKey { identity status type } } }`,
    { input: { path: 'seed/db-password', kmsKeyIdentity: 'payments', description: 'primary db' } },
  );
  expect(created.createSecret).toMatchObject({
    path: 'seed/db-password', region: 'us-east-1', kmsKeyIdentity: 'payments', currentVersion: null, maxVersions: 100,
    kmsKey: { identity: 'payments', status: 'ACTIVE', type: 'AES256_GCM96' },
  });

  const put = await stack.ok(PUT, { input: { path: 'seed/db-password', value: 's3cr3t-ü' } });
  expect(put.putSecretValue).toMatchObject({ version: 1, state: 'ENABLED', kmsKeyVersion: 1 });
  const revealed = await stack.ok(REVEAL, { path: 'seed/db-password' });
  expect(revealed.getSecretValue).toMatchObject({ path: 'seed/db-password', version: 1, value: 's3cr3t-ü' });

  // Disable: both value operations fail with 400 KMS_KEY_NOT_ACTIVE naming the status.
  expect((await keyOp('disableKmsKey', 'payments')).disableKmsKey.status).toBe('DISABLED');
  for (const [query, vars] of [[REVEAL, { path: 'seed/db-password' }], [PUT, { input: { path: 'seed/db-password', value: 'x' } }]] as const) {
    const r = await stack.gql(query, vars);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'DISABLED' });
  }
  // …while the metadata is readable, kmsKey.status included (what a console warns on).
  const meta = await stack.gql(METADATA, { path: 'seed/db-password' });
  expect(meta.status).toBe(200);
  expect(meta.body.errors).toBeUndefined();
  expect(meta.body.data.secret).toMatchObject({
    currentVersion: 1, kmsKey: { region: 'us-east-1', identity: 'payments', status: 'DISABLED' },
    versions: { nodes: [{ version: 1, state: 'ENABLED', kmsKeyVersion: 1 }], pageInfo: { hasNextPage: false } },
  });
  expect(meta.body.data.secrets.nodes).toEqual([{ path: 'seed/db-password', kmsKey: { status: 'DISABLED' } }]);
  // The failed put did not leave a version behind.
  expect(meta.body.data.secret.versions.nodes).toHaveLength(1);

  // Enable: values work again.
  await keyOp('enableKmsKey', 'payments');
  expect((await stack.ok(PUT, { input: { path: 'seed/db-password', value: 'second' } })).putSecretValue.version).toBe(2);
  expect((await stack.ok(REVEAL, { path: 'seed/db-password' })).getSecretValue).toMatchObject({ version: 2, value: 'second' });
  expect((await stack.ok(REVEAL, { path: 'seed/db-password', version: 1 })).getSecretValue.value).toBe('s3cr3t-ü');
});

test('PENDING_DELETION blocks values with 400 too; metadata readable; cancel + enable restores', async () => {
  await stack.ok(`mutation { createKmsKey(input: { identity: "retiring", type: CHACHA20_POLY1305 }) { identity } }`);
  await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, {
    i: { path: 'seed/retiring/api-key', kmsKeyIdentity: 'retiring', value: 'first value' },
  });
  expect((await keyOp('scheduleKmsKeyDeletion', 'retiring', ', pendingWindowDays: 7')).scheduleKmsKeyDeletion.status).toBe('PENDING_DELETION');
  for (const [query, vars] of [[REVEAL, { path: 'seed/retiring/api-key' }], [PUT, { input: { path: 'seed/retiring/api-key', value: 'x' } }]] as const) {
    const r = await stack.gql(query, vars);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'PENDING_DELETION' });
  }
  const meta = await stack.gql(METADATA, { path: 'seed/retiring/api-key' });
  expect(meta.status).toBe(200);
  expect(meta.body.data.secret).toMatchObject({ currentVersion: 1, kmsKey: { status: 'PENDING_DELETION' } });
  expect(meta.body.data.secrets.nodes).toContainEqual({ path: 'seed/retiring/api-key', kmsKey: { status: 'PENDING_DELETION' } });

  expect((await keyOp('cancelKmsKeyDeletion', 'retiring')).cancelKmsKeyDeletion.status).toBe('DISABLED');
  expect((await stack.gql(REVEAL, { path: 'seed/retiring/api-key' })).body.errors?.[0].extensions?.kmsKeyStatus).toBe('DISABLED');
  await keyOp('enableKmsKey', 'retiring');
  expect((await stack.ok(REVEAL, { path: 'seed/retiring/api-key' })).getSecretValue.value).toBe('first value');
});

test('the console query (secrets { nodes { path kmsKey { status } } }) answers in one request', async () => {
  const r = await stack.gql(`{ secrets { nodes { path kmsKey { status } } } }`);
  expect(r.status).toBe(200);
  expect(r.body.errors).toBeUndefined();
  const byPath = Object.fromEntries(r.body.data.secrets.nodes.map((n: any) => [n.path, n.kmsKey.status]));
  expect(byPath).toEqual({ 'seed/db-password': 'ACTIVE', 'seed/retiring/api-key': 'ACTIVE' });
  await keyOp('disableKmsKey', 'payments');
  const after = await stack.gql(`{ secrets { nodes { path kmsKey { status } } } }`);
  const warn = after.body.data.secrets.nodes.filter((n: any) => n.kmsKey.status !== 'ACTIVE').map((n: any) => n.path);
  expect(warn).toEqual(['seed/db-password']);
  await keyOp('enableKmsKey', 'payments');
});
