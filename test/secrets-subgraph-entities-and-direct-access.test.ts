import { startStack, type Stack } from './support/stack';

/**
 * The secrets subgraph as the gateway sees it: `_entities` for Secret { path } (batched metadata
 * read) and for KmsKey { region identity } (the reverse edge), and no back door — reached
 * directly without the internal secret it refuses to answer.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-entities', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "ent", type: AES256_GCM96 }) { identity } }`);
  for (const p of ['ent/a', 'ent/b', 'other/c']) await stack.ok(`mutation($p: String!) { createSecret(input: { path: $p, kmsKeyIdentity: "ent" }) { path } }`, { p });
});
afterAll(async () => stack?.stop());

const secretsUrl = () => stack.running.get('secrets')!.url;
const internal = () => ({ 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET });

test('_entities: Secret by path (absent → null, outside pathPrefixes → null) and KmsKey bound secrets', async () => {
  const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Secret { path region kmsKeyIdentity } ... on KmsKey { region identity boundSecretCount boundSecrets { nodes { path } } } } }`;
  const reps = [
    { __typename: 'Secret', path: 'ent/b' },
    { __typename: 'Secret', path: 'nope/x' },
    { __typename: 'Secret', path: 'other/c' },
    { __typename: 'KmsKey', region: 'us-east-1', identity: 'ent' },
    { __typename: 'KmsKey', region: 'eu-west-1', identity: 'ent' },
  ];
  const root = await stack.gql(q, { r: reps }, { url: secretsUrl(), headers: internal() });
  expect(root.body.errors).toBeUndefined();
  expect(root.body.data._entities).toEqual([
    { path: 'ent/b', region: 'us-east-1', kmsKeyIdentity: 'ent' },
    null,
    { path: 'other/c', region: 'us-east-1', kmsKeyIdentity: 'ent' },
    { region: 'us-east-1', identity: 'ent', boundSecretCount: 3, boundSecrets: { nodes: [{ path: 'ent/a' }, { path: 'ent/b' }, { path: 'other/c' }] } },
    { region: 'eu-west-1', identity: 'ent', boundSecretCount: 0, boundSecrets: { nodes: [] } },
  ]);
  const confined = await stack.token(['secrets:read'], { pathPrefixes: ['ent/'] });
  const c = await stack.gql(q, { r: reps.slice(0, 3) }, { url: secretsUrl(), headers: internal(), token: confined.token });
  expect(c.body.data._entities).toEqual([{ path: 'ent/b', region: 'us-east-1', kmsKeyIdentity: 'ent' }, null, null]);
  // No secrets:read, no entities.
  const noScope = await stack.token(['kms:read']);
  const denied = await stack.gql(q, { r: reps.slice(0, 1) }, { url: secretsUrl(), headers: internal(), token: noScope.token });
  expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
});

test('the secrets subgraph reached directly without the internal secret → 401, no data', async () => {
  const r = await stack.gql(`{ secrets { nodes { path } } }`, {}, { url: secretsUrl() });
  expect(r.status).toBe(401);
  expect(r.body.data ?? null).toBeNull();
});

test('a listing that selects only paths and keys answers them; any other field of a node (also in a fragment) reads in full', async () => {
  const iso = /^\d{4}-\d\d-\d\dT/;
  const lean = await stack.gql(
    `{ secrets(pathPrefix: "ent/") { nodes { __typename path region kmsKeyIdentity kmsKey { region identity } } } secret(path: "ent/a") { path createdAt maxVersions } }`,
    {}, { url: secretsUrl(), headers: internal() },
  );
  expect(lean.body.errors).toBeUndefined();
  const key = { region: 'us-east-1', identity: 'ent' };
  expect(lean.body.data.secrets.nodes).toEqual(['ent/a', 'ent/b'].map((path) => ({ __typename: 'Secret', path, region: 'us-east-1', kmsKeyIdentity: 'ent', kmsKey: key })));
  // The same secret read alone in the same request is whole.
  expect(lean.body.data.secret).toEqual({ path: 'ent/a', createdAt: expect.stringMatching(iso), maxVersions: 100 });
  const full = await stack.gql(
    `{ secrets(pathPrefix: "ent/") { nodes { path ...More } pageInfo { hasNextPage } } } fragment More on Secret { createdAt updatedAt maxVersions tags { key } }`,
    {}, { url: secretsUrl(), headers: internal() },
  );
  expect(full.body.errors).toBeUndefined();
  expect(full.body.data.secrets.nodes).toEqual(['ent/a', 'ent/b'].map((path) => ({ path, createdAt: expect.stringMatching(iso), updatedAt: expect.stringMatching(iso), maxVersions: 100, tags: [] })));
});
