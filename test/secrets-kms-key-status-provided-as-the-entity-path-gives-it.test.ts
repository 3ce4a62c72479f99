import type { KmsClient } from '../shared/kmsClient';
import { kmsKeyNames } from '../subgraphs/kms/store/keyStore';
import { startStack, type Stack } from './support/stack';

/**
 * Secret.kmsKey { status } comes with the secrets fetch (@provides): the secrets subgraph reads it
 * live, one keyStatuses call per region, and the gateway makes no `_entities` fetch. Every answer
 * must be the one the entity path gives — `kmsKey { type }` still takes it, and `status type`
 * takes both — for present, disabled and vanished keys, a token without kms:read, the kms gate
 * off, a confined token, a region down and a region behind an open breaker. Error order may
 * differ (the entity path lists one region's nodes, then the other's); code, path, message and
 * extensions may not, nor the auth.denied events.
 */
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
let stack: Stack;
const hits: string[] = [];
const keyStatusCalls = () => hits.filter((h) => h.endsWith('/internal/v1/keyStatuses')).sort();
const entityFetches = () => hits.filter((h) => h.endsWith('/graphql')).sort();
const watch = (region: string) => stack.kms(region).server.on('request', (req: { url?: string }) => hits.push(`${region} ${req.url}`));

// path → [region, key]
const SECRETS: [string, string, string][] = [
  ['p/a', 'us-east-1', 'pk'],
  ['p/b', 'eu-west-1', 'pk'],
  ['p/c', 'us-east-1', 'off'],
  ['p/d', 'eu-west-1', 'gone'],
  ['q/e', 'us-east-1', 'pk'],
];

beforeAll(async () => {
  stack = await startStack({ label: 'key-provides', kms: true, secrets: true });
  for (const [region, identity] of [['us-east-1', 'pk'], ['eu-west-1', 'pk'], ['us-east-1', 'off'], ['eu-west-1', 'gone']]) {
    await stack.ok(`mutation($i: String!) { createKmsKey(input: { identity: $i, type: AES256_GCM96 }) { identity } }`, { i: identity }, { region });
  }
  for (const [path, region, key] of SECRETS) {
    await stack.ok(`mutation($p: String!, $k: String!, $r: String) { createSecret(input: { path: $p, kmsKeyIdentity: $k, region: $r }) { path } }`, { p: path, k: key, r: region });
  }
  await stack.ok(`mutation { disableKmsKey(identity: "off") { status } }`, {}, { region: 'us-east-1' });
  // The key of p/d no longer exists in its region's KMS.
  const eu = stack.services.get('kms-eu-west-1')!;
  await eu.redis.del(...Object.values(kmsKeyNames({ region: 'eu-west-1', project: 'default', identity: 'gone' })));
  for (const region of REGIONS) watch(region);
}, 60_000);
afterAll(() => stack?.stop());

const page = (sel: string, prefix = '') => `{ secrets(pathPrefix: "${prefix}") { nodes { path kmsKey { ${sel} } } } }`;
const sortedErrors = (body: any) => [...(body.errors ?? [])].sort((x, y) => JSON.stringify(x.path).localeCompare(JSON.stringify(y.path)));

async function traced(query: string, opts: Parameters<Stack['gql']>[2] = {}) {
  hits.length = 0;
  const r = await stack.gql(query, {}, opts);
  return { status: r.status, body: r.body, keyStatusCalls: keyStatusCalls(), entityFetches: entityFetches() };
}

async function deniedEvents(requestId: string) {
  const r = await stack.ok('query($r: String) { auditEvents(filter: { requestId: $r }) { nodes { action outcome resource via region errorCode count } } }', { r: requestId });
  return [...r.auditEvents.nodes].sort((x: any, y: any) => x.region.localeCompare(y.region));
}

test('status alone: one keyStatuses call per region and no _entities fetch; the answers the entity path gives', async () => {
  const provided = await traced(page('status'));
  expect(provided.status).toBe(200);
  expect(provided.body.errors).toBeUndefined();
  expect(provided.keyStatusCalls).toEqual(['eu-west-1 /internal/v1/keyStatuses', 'us-east-1 /internal/v1/keyStatuses']);
  expect(provided.entityFetches).toEqual([]);
  expect(provided.body.data.secrets.nodes).toEqual([
    { path: 'p/a', kmsKey: { status: 'ACTIVE' } },
    { path: 'p/b', kmsKey: { status: 'ACTIVE' } },
    { path: 'p/c', kmsKey: { status: 'DISABLED' } },
    { path: 'p/d', kmsKey: null },
    { path: 'q/e', kmsKey: { status: 'ACTIVE' } },
  ]);

  // The entity path (type only) finds the same keys, and the same one missing.
  const entities = await traced(page('type'));
  expect(entities.keyStatusCalls).toEqual([]);
  expect(entities.entityFetches).toEqual(['eu-west-1 /graphql', 'us-east-1 /graphql']);
  expect(entities.body.errors).toBeUndefined();
  expect(entities.body.data.secrets.nodes.map((n: any) => n.kmsKey === null)).toEqual(provided.body.data.secrets.nodes.map((n: any) => n.kmsKey === null));

  // status with another KMS field: status as provided, type through _entities, in one answer.
  const both = await traced(page('identity status type'));
  expect(both.body.errors).toBeUndefined();
  expect(both.body.data.secrets.nodes).toEqual(provided.body.data.secrets.nodes.map((n: any, i: number) => ({
    path: n.path, kmsKey: n.kmsKey && { identity: SECRETS[i][2], status: n.kmsKey.status, type: 'AES256_GCM96' },
  })));

  // And each region's KMS, asked directly, agrees.
  for (const [path, region, identity] of SECRETS) {
    const direct = await stack.ok(`query($i: String!) { kmsKey(identity: $i) { status } }`, { i: identity }, { region });
    expect([path, direct.kmsKey]).toEqual([path, provided.body.data.secrets.nodes.find((n: any) => n.path === path).kmsKey]);
  }
});

test('live, not cached: a change of state shows on the next page', async () => {
  await stack.ok(`mutation { disableKmsKey(identity: "pk") { status } }`, {}, { region: 'eu-west-1' });
  try {
    const r = await stack.ok(page('status', 'p/b'));
    expect(r.secrets.nodes).toEqual([{ path: 'p/b', kmsKey: { status: 'DISABLED' } }]);
  } finally {
    await stack.ok(`mutation { enableKmsKey(identity: "pk") { status } }`, {}, { region: 'eu-west-1' });
  }
  expect((await stack.ok(page('status', 'p/b'))).secrets.nodes).toEqual([{ path: 'p/b', kmsKey: { status: 'ACTIVE' } }]);
});

describe.each([
  ['without kms:read', 'FORBIDDEN', { message: 'Token lacks the scope "kms:read"', extensions: { code: 'FORBIDDEN' } }],
  ['with the kms gate off', 'FEATURE_DISABLED', { message: 'The "kms" feature is disabled for this project', extensions: { feature: 'kms', code: 'FEATURE_DISABLED' } }],
])('%s: each kmsKey null with the error the entity path gives, one auth.denied per region', (name, code, error) => {
  test('status alone, type alone and both answer alike', async () => {
    const t = await stack.token(code === 'FORBIDDEN' ? ['secrets:read'] : ['secrets:read', 'kms:read']);
    const setGate = (on: boolean) => stack.ok(`mutation { setFeatureGate(feature: "kms", enabled: ${on}, project: "default") { kms } }`);
    const answers = [];
    if (code === 'FEATURE_DISABLED') await setGate(false);
    try {
      for (const sel of ['status', 'type', 'status type']) {
        const requestId = `kp-${code}-${sel.replace(' ', '-')}`;
        const r = await traced(page(sel), { token: t.token, requestId });
        expect(r.status).toBe(200);
        expect(r.keyStatusCalls).toEqual([]); // refused before any call on the caller's behalf
        const nodes = r.body.data.secrets.nodes;
        expect(nodes.map((n: any) => [n.path, n.kmsKey])).toEqual(SECRETS.map(([path]) => [path, null]));
        const errors = sortedErrors(r.body);
        expect(errors).toEqual(nodes.map((_: unknown, i: number) => ({ ...error, path: ['secrets', 'nodes', i, 'kmsKey'] })));
        expect(await deniedEvents(requestId)).toEqual(REGIONS.map((region) => ({
          action: 'auth.denied', outcome: 'DENIED', resource: `kms-key:${region}/*`, via: null, region, errorCode: code, count: null,
        })).sort((x, y) => x.region.localeCompare(y.region)));
        answers.push({ nodes, errors });
      }
    } finally {
      if (code === 'FEATURE_DISABLED') await setGate(true);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[2]).toEqual(answers[1]);
  });
});

test('a confined token sees its own paths, each status as the entity path gives it', async () => {
  const t = await stack.token(['secrets:read', 'kms:read'], { pathPrefixes: ['p/'] });
  const provided = await traced(page('status'), { token: t.token });
  const both = await traced(page('status type'), { token: t.token });
  expect(provided.body.errors).toBeUndefined();
  expect(provided.body.data.secrets.nodes.map((n: any) => n.path)).toEqual(['p/a', 'p/b', 'p/c', 'p/d']);
  expect(both.body.data.secrets.nodes.map((n: any) => n.kmsKey && n.kmsKey.status)).toEqual(provided.body.data.secrets.nodes.map((n: any) => n.kmsKey && n.kmsKey.status));
});

test("a region's KMS down, then its breaker open: REGION_UNAVAILABLE on that region's kmsKey only, as on the entity path", async () => {
  const secretsKms = (stack.running.get('secrets') as unknown as { kms: KmsClient }).kms;
  await stack.stopKms('eu-west-1');
  try {
    const provided = await traced(page('status'));
    const entities = await traced(page('type'));
    for (const r of [provided, entities]) {
      expect(r.status).toBe(200);
      const nodes = r.body.data.secrets.nodes;
      expect(nodes.map((n: any) => n.kmsKey === null)).toEqual([false, true, false, true, false]);
      expect(sortedErrors(r.body)).toEqual([1, 3].map((i) => ({
        message: 'KMS is not available in region eu-west-1', path: ['secrets', 'nodes', i, 'kmsKey'], extensions: { region: 'eu-west-1', retryAfter: 1, code: 'REGION_UNAVAILABLE' },
      })));
    }
    expect(provided.body.data.secrets.nodes[0]).toEqual({ path: 'p/a', kmsKey: { status: 'ACTIVE' } });
    // Failures open the secrets service's breaker for the region…
    for (let i = 0; i < 10 && secretsKms.regionState('eu-west-1') !== 'open'; i++) await stack.gql(page('status'));
    expect(secretsKms.regionState('eu-west-1')).toBe('open');
  } finally {
    await stack.restartKms('eu-west-1');
    watch('eu-west-1');
  }
  // …and while it is open the region is not called even though it is back: unavailable, fast.
  const open = await traced(page('status'));
  expect(open.keyStatusCalls).toEqual(['us-east-1 /internal/v1/keyStatuses']);
  expect(open.body.data.secrets.nodes.map((n: any) => n.kmsKey === null)).toEqual([false, true, false, true, false]);
  const errors = sortedErrors(open.body);
  expect(errors.map((e: any) => e.path)).toEqual([1, 3].map((i) => ['secrets', 'nodes', i, 'kmsKey']));
  for (const e of errors) expect(e.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
});
