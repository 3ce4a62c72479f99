import { startStack, type Stack } from './support/stack';

/**
 * Who may do what (API.md): secrets:read lists metadata but cannot reveal (403); pathPrefixes
 * confine a token (listings filtered, direct access FORBIDDEN, batch items FORBIDDEN one by one);
 * projects are isolated (another project's path is null / NOT_FOUND, never data); the `secrets`
 * gate closes every secrets operation, the `kms` gate closes create / put / reveal while metadata
 * stays readable. No kms:* scope is needed for values.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-access', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "acc", type: AES256_GCM96 }) { identity } }`);
  for (const path of ['team-a/db', 'team-a/api', 'team-b/db', 'team-ab/x']) {
    await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: 'acc', value: `value of ${path}` } });
  }
});
afterAll(async () => stack?.stop());

const LIST = `{ secrets { nodes { path } } }`;
const REVEAL = `query($p: String!) { getSecretValue(path: $p) { value } }`;
const BATCH = `query($ps: [String!]!) { batchGetSecretValue(paths: $ps) { path value version error { code message } } }`;
const paths = (d: any) => d.secrets.nodes.map((n: any) => n.path);

describe('scopes', () => {
  test('secrets:read lists and reads metadata, but getSecretValue / batch / put → 403 FORBIDDEN (auth.denied written)', async () => {
    const t = await stack.token(['secrets:read']);
    expect(paths(await stack.ok(LIST, {}, { token: t.token }))).toEqual(['team-a/api', 'team-a/db', 'team-ab/x', 'team-b/db']);
    expect((await stack.ok(`{ secret(path: "team-a/db") { currentVersion versions { nodes { version } } } }`, {}, { token: t.token })).secret.currentVersion).toBe(1);
    for (const [q, v] of [[REVEAL, { p: 'team-a/db' }], [BATCH, { ps: ['team-a/db'] }], [`mutation { putSecretValue(input: { path: "team-a/db", value: "x" }) { version } }`, {}]] as const) {
      const r = await stack.gql(q, v, { token: t.token, headers: { 'x-request-id': `deny-${t.id}` } });
      expect(r.status).toBe(403);
      expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(r.body)).not.toContain('value of');
    }
    const denied = await stack.ok(`query($r: String!) { auditEvents(filter: { requestId: $r }, after: null) { nodes { action outcome actor } } }`, { r: `deny-${t.id}` });
    expect(denied.auditEvents.nodes).toHaveLength(3);
    expect(denied.auditEvents.nodes.every((e: any) => e.action === 'auth.denied' && e.outcome === 'DENIED' && e.actor === t.id)).toBe(true);
  });

  test('secrets:read_value reveals without any kms:* scope; but lists nothing without secrets:read', async () => {
    const t = await stack.token(['secrets:read_value']);
    expect((await stack.ok(REVEAL, { p: 'team-b/db' }, { token: t.token })).getSecretValue.value).toBe('value of team-b/db');
    const list = await stack.gql(LIST, {}, { token: t.token });
    expect(list.status).toBe(403);
  });

  test('secrets:write is needed for every mutation', async () => {
    const t = await stack.token(['secrets:read', 'secrets:read_value']);
    for (const q of [
      `mutation { createSecret(input: { path: "team-a/new", kmsKeyIdentity: "acc" }) { path } }`,
      `mutation { putSecretValue(input: { path: "team-a/db", value: "x" }) { version } }`,
      `mutation { updateSecret(input: { path: "team-a/db", description: "x" }) { path } }`,
      `mutation { deleteSecret(path: "team-a/db") }`,
      `mutation { deleteSecretVersions(path: "team-a/db", versions: [1]) { path } }`,
      `mutation { undeleteSecretVersions(path: "team-a/db", versions: [1]) { path } }`,
      `mutation { destroySecretVersions(path: "team-a/db", versions: [1]) { path } }`,
    ]) {
      const r = await stack.gql(q, {}, { token: t.token });
      expect([r.status, r.body.errors?.[0].extensions?.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect((await stack.ok(REVEAL, { p: 'team-a/db' }, { token: t.token })).getSecretValue.value).toBe('value of team-a/db');
  });
});

describe('pathPrefixes', () => {
  test('listings are filtered; direct access elsewhere is FORBIDDEN; batch items elsewhere fail per item', async () => {
    const t = await stack.token(['secrets:read', 'secrets:read_value', 'secrets:write'], { pathPrefixes: ['team-a/'] });
    expect(paths(await stack.ok(LIST, {}, { token: t.token }))).toEqual(['team-a/api', 'team-a/db']);
    expect(paths(await stack.ok(`{ secrets(pathPrefix: "team-b/") { nodes { path } } }`, {}, { token: t.token }))).toEqual([]);
    expect((await stack.ok(`{ secret(path: "team-a/db") { path } }`, {}, { token: t.token })).secret.path).toBe('team-a/db');
    for (const q of [
      `{ secret(path: "team-b/db") { path } }`,
      `{ secret(path: "team-ab/x") { path } }`,
      `{ getSecretValue(path: "team-b/db") { value } }`,
      `mutation { putSecretValue(input: { path: "team-b/db", value: "x" }) { version } }`,
      `mutation { createSecret(input: { path: "elsewhere/new", kmsKeyIdentity: "acc" }) { path } }`,
      `mutation { deleteSecret(path: "team-b/db") }`,
    ]) {
      const r = await stack.gql(q, {}, { token: t.token });
      expect([r.status, r.body.errors?.[0].extensions?.code]).toEqual([403, 'FORBIDDEN']);
    }
    const batch = await stack.gql(BATCH, { ps: ['team-a/db', 'team-b/db', 'team-a/missing', 'bad//path'] }, { token: t.token });
    expect(batch.status).toBe(200);
    expect(batch.body.data.batchGetSecretValue).toEqual([
      { path: 'team-a/db', value: 'value of team-a/db', version: 1, error: null },
      { path: 'team-b/db', value: null, version: null, error: { code: 'FORBIDDEN', message: expect.any(String) } },
      { path: 'team-a/missing', value: null, version: null, error: { code: 'NOT_FOUND', message: expect.any(String) } },
      { path: 'bad//path', value: null, version: null, error: { code: 'BAD_USER_INPUT', message: expect.any(String) } },
    ]);
    expect(JSON.stringify(batch.body)).not.toContain('value of team-b');
    // The KmsKey reverse edge counts and lists only the token's own paths.
    const bound = await stack.ok(`{ kmsKey(identity: "acc") { boundSecretCount boundSecrets { nodes { path } } } }`, {}, { token: (await stack.token(['secrets:read', 'kms:read'], { pathPrefixes: ['team-a/'] })).token });
    expect(bound.kmsKey).toEqual({ boundSecretCount: 2, boundSecrets: { nodes: [{ path: 'team-a/api' }, { path: 'team-a/db' }] } });
  });

  test('batch: more than 100 paths → 400; the root token gets every value', async () => {
    const tooMany = await stack.gql(BATCH, { ps: Array.from({ length: 101 }, (_, i) => `team-a/p${i}`) });
    expect([tooMany.status, tooMany.body.errors?.[0].extensions?.code]).toEqual([400, 'BAD_USER_INPUT']);
    const all = await stack.ok(BATCH, { ps: ['team-b/db', 'team-a/api'] });
    expect(all.batchGetSecretValue.map((i: any) => i.value)).toEqual(['value of team-b/db', 'value of team-a/api']);
  });
});

describe('projects', () => {
  test("another project's paths are null / NOT_FOUND, never data; its own secrets are separate", async () => {
    const other = await stack.token(['secrets:read', 'secrets:read_value', 'secrets:write', 'kms:admin'], { project: 'other-proj' });
    expect((await stack.ok(`{ secret(path: "team-a/db") { path } }`, {}, { token: other.token })).secret).toBeNull();
    expect(paths(await stack.ok(LIST, {}, { token: other.token }))).toEqual([]);
    const reveal = await stack.gql(REVEAL, { p: 'team-a/db' }, { token: other.token });
    expect([reveal.status, reveal.body.errors?.[0].extensions?.code]).toEqual([404, 'NOT_FOUND']);
    const put = await stack.gql(`mutation { putSecretValue(input: { path: "team-a/db", value: "hijack" }) { version } }`, {}, { token: other.token });
    expect(put.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    // The key "acc" belongs to project default: not bindable from another project.
    const bind = await stack.gql(`mutation { createSecret(input: { path: "team-a/db", kmsKeyIdentity: "acc" }) { path } }`, {}, { token: other.token });
    expect(bind.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    // Same path, own key, own value: fully separate.
    await stack.ok(`mutation { createKmsKey(input: { identity: "acc", type: AES128_GCM96 }) { identity } }`, {}, { token: other.token });
    await stack.ok(`mutation { createSecret(input: { path: "team-a/db", kmsKeyIdentity: "acc", value: "other's value" }) { path } }`, {}, { token: other.token });
    expect((await stack.ok(REVEAL, { p: 'team-a/db' }, { token: other.token })).getSecretValue.value).toBe("other's value");
    expect((await stack.ok(REVEAL, { p: 'team-a/db' })).getSecretValue.value).toBe('value of team-a/db');
  });
});

describe('feature gates', () => {
  let t: { token: string; id: string };
  const setGate = (feature: string, enabled: boolean) =>
    stack.ok(`mutation($f: String!, $e: Boolean!) { setFeatureGate(feature: $f, enabled: $e, project: "gated") { secrets kms } }`, { f: feature, e: enabled });
  beforeAll(async () => {
    t = await stack.token(['secrets:read', 'secrets:read_value', 'secrets:write', 'kms:admin', 'kms:read'], { project: 'gated' });
    await stack.ok(`mutation { createKmsKey(input: { identity: "g", type: AES256_GCM96 }) { identity } }`, {}, { token: t.token });
    await stack.ok(`mutation { createSecret(input: { path: "g/s", kmsKeyIdentity: "g", value: "gated value" }) { path } }`, {}, { token: t.token });
  });

  const ALL_OPS = [
    `{ secret(path: "g/s") { path } }`,
    `{ secrets { nodes { path } } }`,
    `{ getSecretValue(path: "g/s") { value } }`,
    `{ batchGetSecretValue(paths: ["g/s"]) { value } }`,
    `mutation { createSecret(input: { path: "g/new", kmsKeyIdentity: "g" }) { path } }`,
    `mutation { putSecretValue(input: { path: "g/s", value: "x" }) { version } }`,
    `mutation { updateSecret(input: { path: "g/s", description: "x" }) { path } }`,
    `mutation { deleteSecretVersions(path: "g/s", versions: [1]) { path } }`,
    `mutation { undeleteSecretVersions(path: "g/s", versions: [1]) { path } }`,
    `mutation { destroySecretVersions(path: "g/s", versions: [1]) { path } }`,
    `mutation { deleteSecret(path: "g/s") }`,
  ];

  test('secrets gate off → every secrets operation 403 FEATURE_DISABLED (feature "secrets")', async () => {
    await setGate('secrets', false);
    try {
      for (const q of ALL_OPS) {
        const r = await stack.gql(q, {}, { token: t.token });
        expect([q, r.status, r.body.errors?.[0].extensions?.code, r.body.errors?.[0].extensions?.feature]).toEqual([q, 403, 'FEATURE_DISABLED', 'secrets']);
      }
      const bound = await stack.gql(`{ kmsKey(identity: "g") { identity boundSecretCount } }`, {}, { token: t.token });
      expect(bound.body.errors?.[0].extensions).toMatchObject({ code: 'FEATURE_DISABLED', feature: 'secrets' });
    } finally {
      await setGate('secrets', true);
    }
    expect((await stack.ok(`{ getSecretValue(path: "g/s") { value } }`, {}, { token: t.token })).getSecretValue.value).toBe('gated value');
  });

  test('kms gate off → create / put / reveal / batch 403 FEATURE_DISABLED (feature "kms"); metadata still readable', async () => {
    await setGate('kms', false);
    try {
      for (const q of ALL_OPS.slice(2, 6)) {
        const r = await stack.gql(q, {}, { token: t.token });
        expect([q, r.status, r.body.errors?.[0].extensions?.code, r.body.errors?.[0].extensions?.feature]).toEqual([q, 403, 'FEATURE_DISABLED', 'kms']);
      }
      const meta = await stack.gql(`{ secret(path: "g/s") { path currentVersion versions { nodes { version state } } } secrets { nodes { path } } }`, {}, { token: t.token });
      expect(meta.status).toBe(200);
      expect(meta.body.errors).toBeUndefined();
      expect(meta.body.data.secret).toEqual({ path: 'g/s', currentVersion: 1, versions: { nodes: [{ version: 1, state: 'ENABLED' }] } });
      expect((await stack.ok(`mutation { updateSecret(input: { path: "g/s", description: "still editable" }) { description } }`, {}, { token: t.token })).updateSecret.description).toBe('still editable');
      // kmsKey comes from KMS: null with its FEATURE_DISABLED error, the rest of the answer intact (200).
      const withKey = await stack.gql(`{ secret(path: "g/s") { path kmsKey { status } } }`, {}, { token: t.token });
      expect(withKey.status).toBe(200);
      expect(withKey.body.data.secret).toEqual({ path: 'g/s', kmsKey: null });
      expect(withKey.body.errors?.[0].extensions).toMatchObject({ code: 'FEATURE_DISABLED', feature: 'kms' });
    } finally {
      await setGate('kms', true);
    }
    expect((await stack.ok(`mutation { putSecretValue(input: { path: "g/s", value: "after" }) { version } }`, {}, { token: t.token })).putSecretValue.version).toBe(2);
  });
});
