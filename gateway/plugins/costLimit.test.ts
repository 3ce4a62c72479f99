import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { repoRoot } from '../supergraph';
import { AUDIT_EVENT_COST, costLimitPlugin, MAX_COST, operationCost } from './costLimit';
import { LIMITS } from './limits';

/** The API schema clients see (from the checked-in supergraph), so connection defaults are the real ones. */
const schema = Supergraph.build(readFileSync(join(repoRoot(), 'schema', 'supergraph.graphql'), 'utf8')).apiSchema().toGraphQLJSSchema();

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return operationCost(schema, doc, op, variables);
}

/** 1000 keys × 200 bound secrets × (100 versions + 200 secrets): over a hundred million fields. */
const KEYS_SECRETS_VERSIONS = `{ kmsKeys(first: 1000) { nodes { identity boundSecrets(first: 200) { nodes { path
  versions(first: 100) { nodes { version } } kmsKey { boundSecrets(first: 200) { nodes { path } } } } } } } }`;

describe('operationCost', () => {
  it('is 1 per field, and 1 + first × selection for a connection', () => {
    expect(cost('{ viewer { id project } }')).toBe(1 + 2);
    expect(cost('{ kmsKeys(first: 2) { nodes { identity status } } }')).toBe(1 + 2 * (1 + 2));
    // pageInfo is inside the connection: counted once per node too (a safe overestimate).
    expect(cost('{ kmsKeys(first: 2) { nodes { identity } pageInfo { hasNextPage } } }')).toBe(1 + 2 * (2 + 2));
  });

  it('uses the schema default when first is omitted or null', () => {
    expect(cost('{ kmsKeys { nodes { identity } } }')).toBe(1 + 50 * 2);
    expect(cost('{ kmsKeys(first: null) { nodes { identity } } }')).toBe(1 + 50 * 2);
    expect(cost('{ auditEvents { nodes { id } } }')).toBe(1 + 100 * 2);
    expect(cost('{ secret(path: "a") { versions { nodes { version } } } }')).toBe(1 + (1 + 20 * 2));
  });

  it('counts variables: the value sent, else the operation default, else the schema default', () => {
    const q = 'query($f: Int) { kmsKeys(first: $f) { nodes { identity } } }';
    expect(cost(q, { f: 3 })).toBe(1 + 3 * 2);
    expect(cost(q, { f: 1000 })).toBe(1 + 1000 * 2);
    expect(cost(q)).toBe(1 + 50 * 2);
    expect(cost('query($f: Int = 4) { kmsKeys(first: $f) { nodes { identity } } }')).toBe(1 + 4 * 2);
    // A value of the wrong type fails variable coercion later; here it counts as the default.
    expect(cost(q, { f: 'many' })).toBe(1 + 50 * 2);
  });

  it('multiplies nested connections', () => {
    expect(cost('{ kmsKeys(first: 10) { nodes { boundSecrets(first: 5) { nodes { path } } } } }')).toBe(1 + 10 * (1 + (1 + 5 * 2)));
    expect(cost(KEYS_SECRETS_VERSIONS)).toBeGreaterThan(100_000_000);
  });

  it('counts list lengths of the batch arguments paths and items (literal or variable)', () => {
    const batch = 'mutation($i: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: "k", items: $i) { index ciphertext } }';
    expect(cost(batch, { i: Array.from({ length: 7 }, () => ({ plaintext: 'AA==' })) })).toBe(1 + 7 * 2);
    expect(cost('mutation { encryptBatch(keyIdentity: "k", items: [{ plaintext: "AA==" }, { plaintext: "AA==" }]) { index } }')).toBe(1 + 2 * 1);
    // One object where a list is expected is a list of one.
    expect(cost('mutation { encryptBatch(keyIdentity: "k", items: { plaintext: "AA==" }) { index } }')).toBe(1 + 1);
    expect(cost('query($p: [String!]!) { batchGetSecretValue(paths: $p) { path value } }', { p: ['a', 'b', 'c'] })).toBe(1 + 3 * (2 + 2 * AUDIT_EVENT_COST));
    // Other list arguments (deleteSecretVersions' versions) do not multiply.
    expect(cost('mutation { deleteSecretVersions(path: "a", versions: [1, 2, 3]) { path } }')).toBe(1 + 1);
  });

  it('weighs the audit events of batchGetSecretValue: every path listed (literal or variable, aliases too) costs two events', () => {
    const item = 1 + 2 * AUDIT_EVENT_COST; // `{ path }` plus secrets.get_value and kms.decrypt
    expect(cost('{ batchGetSecretValue(paths: ["a", "b"]) { path } }')).toBe(1 + 2 * item);
    expect(cost('query($p: [String!]!) { x: batchGetSecretValue(paths: $p) { path } y: batchGetSecretValue(paths: $p) { path } }', { p: ['a', 'b', 'c'] })).toBe(2 * (1 + 3 * item));
    const thirtyOne = Array.from({ length: 31 }, (_, a) => `b${a}: batchGetSecretValue(paths: $p) { path }`).join(' ');
    expect(cost(`query($p: [String!]!) { ${thirtyOne} }`, { p: Array.from({ length: 100 }, (_, i) => `p/${i}`) })).toBeGreaterThan(MAX_COST);
    // One event per call: the batch KMS operations weigh only their items' selections.
    expect(cost('mutation { encryptBatch(keyIdentity: "k", items: [{ plaintext: "AA==" }, { plaintext: "AA==" }]) { index } }')).toBe(1 + 2 * 1);
  });

  it('resolves fragments and inline fragments', () => {
    const plain = cost('{ kmsKeys(first: 3) { nodes { identity status boundSecrets(first: 4) { nodes { path region } } } } }');
    const withFragments = cost(`
      query { kmsKeys(first: 3) { nodes { ...K } } }
      fragment K on KmsKey { identity ... on KmsKey { status } boundSecrets(first: 4) { ...S } }
      fragment S on SecretConnection { nodes { ... { path } region } }`);
    expect(withFragments).toBe(plain);
  });

  it('costs each named fragment once, so nested spreads cannot make counting itself slow', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^40 paths if walked naively.
    const n = 40;
    const frags = Array.from({ length: n }, (_, i) =>
      i === n - 1 ? `fragment F${i} on Principal { id }` : `fragment F${i} on Principal { ...F${i + 1} a${i}: id ...F${i + 1} }`,
    );
    const started = Date.now();
    const c = cost(`{ viewer { ...F0 } } ${frags.join(' ')}`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(c).toBeGreaterThan(2 ** 39);
  });

  it('typical legitimate requests stay well under MAX_COST', () => {
    expect(MAX_COST).toBe(LIMITS.maxCost);
    const typical = {
      page200SecretsWithKeyStatus: cost('{ secrets(first: 200) { nodes { path region kmsKey { status } } pageInfo { endCursor hasNextPage } } }'),
      encryptBatch1000: cost('mutation($i: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: "k", items: $i) { index ciphertext keyVersion error { code message } } }', {
        i: Array.from({ length: 1000 }, () => ({ plaintext: 'AA==' })),
      }),
      batchGetSecretValue100: cost('query($p: [String!]!) { batchGetSecretValue(paths: $p) { path value version error { code message } } }', {
        p: Array.from({ length: 100 }, (_, i) => `p/${i}`),
      }),
      keys50x50BoundSecrets: cost('{ kmsKeys { nodes { identity status boundSecrets { nodes { path } } } } }'),
      secret100Versions: cost('{ secret(path: "a") { path versions(first: 100) { nodes { version state createdAt kmsKeyVersion } pageInfo { endCursor hasNextPage } } } }'),
      secrets200x20Versions: cost('{ secrets(first: 200) { nodes { path versions { nodes { version state } } } } }'),
    };
    expect(typical).toEqual({
      page200SecretsWithKeyStatus: 1601,
      encryptBatch1000: 6001,
      batchGetSecretValue100: 10601,
      keys50x50BoundSecrets: 5201,
      secret100Versions: 803,
      secrets200x20Versions: 12601,
    });
    for (const c of Object.values(typical)) expect(c).toBeLessThanOrEqual(MAX_COST);
  });
});

describe('costLimitPlugin', () => {
  async function check(query: ReturnType<typeof parse>, variables: Record<string, unknown>, maxCost = 200): Promise<'ok' | string> {
    const plugin = costLimitPlugin(maxCost);
    const hooks = (await plugin.requestDidStart!({} as never)) as { didResolveOperation: (rc: unknown) => Promise<void> };
    const operation = query.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    try {
      await hooks.didResolveOperation({ request: { variables }, document: query, operation, schema });
      return 'ok';
    } catch (e) {
      return (e as Error).message;
    }
  }

  it('a cost that variables enter is computed per request, even for a document seen before', async () => {
    const doc = parse('query($f: Int) { kmsKeys(first: $f) { nodes { identity } } }');
    expect(await check(doc, { f: 3 })).toBe('ok');
    expect(await check(doc, { f: 1000 })).toBe('Query cost 2001 exceeds the limit of 200');
    expect(await check(doc, { f: 3 })).toBe('ok');
  });

  it('a cost of the document alone is the same on every request (computed once)', async () => {
    const doc = parse('query($i: String!) { kmsKey(identity: $i) { identity } kmsKeys(first: 150) { nodes { identity } } }');
    for (const i of ['a', 'b']) expect(await check(doc, { i })).toBe('Query cost 303 exceeds the limit of 200');
    expect(await check(doc, { i: 'c' }, 1000)).toBe('ok');
  });
});
