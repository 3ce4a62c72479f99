import { AUDIT_EVENT_COST, MAX_COST } from '../gateway/plugins/costLimit';
import { KMS_REGIONS, startStack, type Stack } from './support/stack';

/**
 * API.md: the cost limit is GRAPHQL_VALIDATION_FAILED (400). A query nesting big connection pages
 * (keys × bound secrets × versions × …) is refused before any subgraph is asked, with the
 * computed cost and the limit in the message; the same shape with small pages is served; `first`
 * given through variables counts; the typical big requests (a page of 200 secrets with their
 * key's status, a batch of 1000 encryptions, 100 secret values at once) are served.
 */
let stack: Stack;
let kmsRequests = 0;
beforeAll(async () => {
  stack = await startStack({ label: 'gw-cost', kms: true, secrets: true });
  for (const region of KMS_REGIONS) stack.kms(region).server.on('request', () => kmsRequests++);
  await stack.ok(`mutation { createKmsKey(input: { identity: "cost-key", type: AES256_GCM96 }) { identity } }`);
});
afterAll(async () => stack?.stop());

const NESTED = (keys: string, bound: string, versions: string, inner: string) => `query${keys.startsWith('$') ? '($k: Int, $b: Int)' : ''} {
  kmsKeys(first: ${keys}) { nodes { identity
    boundSecrets(first: ${bound}) { nodes { path
      versions(first: ${versions}) { nodes { version } }
      kmsKey { boundSecrets(first: ${inner}) { nodes { path } } } } } } } }`;

test("1000 keys × 200 bound secrets × (100 versions + 200 secrets) → 400 GRAPHQL_VALIDATION_FAILED naming the cost and the limit; no subgraph is asked", async () => {
  const before = kmsRequests;
  const r = await stack.gql(NESTED('1000', '200', '100', '200'));
  expect(r.status).toBe(400);
  expect(r.body.data).toBeUndefined();
  expect(r.body.errors).toHaveLength(1);
  const [err] = r.body.errors!;
  expect(err.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', cost: 121_003_001, maxCost: MAX_COST });
  expect(err.message).toBe(`Query cost 121003001 exceeds the limit of ${MAX_COST}`);
  expect(kmsRequests).toBe(before);
});

test('the same shape with small pages → 200', async () => {
  const before = kmsRequests;
  const r = await stack.gql(NESTED('5', '5', '3', '5'));
  expect(kmsRequests).toBeGreaterThan(before); // the counter above does see subgraph requests
  expect(r.body.errors).toBeUndefined();
  expect(r.status).toBe(200);
  expect(r.body.data.kmsKeys.nodes.map((n: any) => n.identity)).toContain('cost-key');
});

test('first given through variables is counted: big values → 400, small → 200', async () => {
  const q = NESTED('$k', '$b', '10', '10');
  const big = await stack.gql(q, { k: 500, b: 100 });
  expect(big.status).toBe(400);
  expect(big.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(big.body.errors?.[0].message).toMatch(new RegExp(`^Query cost \\d+ exceeds the limit of ${MAX_COST}$`));
  expect(big.body.errors?.[0].extensions?.cost).toBeGreaterThan(MAX_COST);
  const small = await stack.gql(q, { k: 5, b: 5 });
  expect(small.body.errors).toBeUndefined();
  expect(small.status).toBe(200);
  // Omitted variables fall back to the schema defaults: 50 keys × 50 bound secrets.
  const defaults = await stack.gql(q, {});
  expect(defaults.status).toBe(400);
  const versions = 1 + 10 * (1 + 1); // versions(first: 10) { nodes { version } }
  const keyBound = 1 + (1 + 10 * (1 + 1)); // kmsKey { boundSecrets(first: 10) { nodes { path } } }
  const bound = 1 + 50 * (1 + (1 + versions + keyBound)); // boundSecrets { nodes { path versions kmsKey } }
  expect(defaults.body.errors?.[0].extensions?.cost).toBe(1 + 50 * (1 + (1 + bound))); // kmsKeys { nodes { identity boundSecrets } }
});

test('a batch of 1000 items counts 1000 times its selection: a plain one passes, an inflated selection does not', async () => {
  const items = Array.from({ length: 1000 }, () => ({ plaintext: 'aGVsbG8=' }));
  const ok = await stack.gql(`mutation($i: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: "cost-key", items: $i) { index ciphertext keyVersion error { code message } } }`, { i: items });
  expect(ok.body.errors).toBeUndefined();
  expect(ok.body.data.encryptBatch).toHaveLength(1000);
  // Aliased repeats of the same fields: 1000 × 25 fields.
  const fat = Array.from({ length: 25 }, (_, n) => `c${n}: ciphertext`).join(' ');
  const over = await stack.gql(`mutation($i: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: "cost-key", items: $i) { ${fat} } }`, { i: items });
  expect(over.status).toBe(400);
  expect(over.body.errors?.[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', cost: 1 + 1000 * 25, maxCost: MAX_COST });
});

test('a page of 200 secrets with kmsKey { status } and 100 values at once are served', async () => {
  const paths = Array.from({ length: 200 }, (_, i) => `cost/s${String(i).padStart(3, '0')}`);
  for (let i = 0; i < paths.length; i += 25) {
    await Promise.all(
      paths.slice(i, i + 25).map((path) =>
        stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: 'cost-key', value: `v-${path}` } }),
      ),
    );
  }
  const page = await stack.gql(`{ secrets(pathPrefix: "cost/", first: 200) { nodes { path region kmsKey { status } } pageInfo { endCursor hasNextPage } } }`);
  expect(page.body.errors).toBeUndefined();
  expect(page.status).toBe(200);
  expect(page.body.data.secrets.nodes).toHaveLength(200);
  expect(page.body.data.secrets.nodes.every((n: any) => n.kmsKey.status === 'ACTIVE')).toBe(true);

  const values = await stack.gql(`query($p: [String!]!) { batchGetSecretValue(paths: $p) { path value version error { code message } } }`, { p: paths.slice(0, 100) });
  expect(values.body.errors).toBeUndefined();
  expect(values.body.data.batchGetSecretValue.map((v: any) => v.value)).toEqual(paths.slice(0, 100).map((p) => `v-${p}`));
});

test('audited fan-out is weighed: 31 batches of 100 paths → 400 before any subgraph is asked; one batch of 100 is served', async () => {
  const p = Array.from({ length: 100 }, (_, i) => `fan/out/${i}`);
  const fields = Array.from({ length: 31 }, (_, a) => `${a === 0 ? '' : `b${a}: `}batchGetSecretValue(paths: $p) { path }`);
  const before = kmsRequests;
  const over = await stack.gql(`query($p: [String!]!) { ${fields.join(' ')} }`, { p });
  expect(over.status).toBe(400);
  expect(over.body.errors?.[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', cost: 31 * (1 + 100 * (1 + 2 * AUDIT_EVENT_COST)), maxCost: MAX_COST });
  // A literal list counts the same as a variable.
  const literal = await stack.gql(`{ ${fields.join(' ').replace(/\$p/g, JSON.stringify(p))} }`);
  expect(literal.status).toBe(400);
  expect(literal.body.errors?.[0].extensions?.cost).toBe(over.body.errors?.[0].extensions?.cost);
  expect(kmsRequests).toBe(before);

  const one = await stack.gql(`query($p: [String!]!) { batchGetSecretValue(paths: $p) { path value version error { code message } } }`, { p });
  expect(one.status).toBe(200);
  expect(one.body.data.batchGetSecretValue.map((i: any) => i.error.code)).toEqual(p.map(() => 'NOT_FOUND'));
});
