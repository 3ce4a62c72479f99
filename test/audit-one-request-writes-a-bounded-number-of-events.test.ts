import { randomUUID } from 'node:crypto';
import { MAX_COST } from '../gateway/plugins/costLimit';
import { startStack, type Stack } from './support/stack';

/**
 * One request cannot flood the audit log (which keeps a bounded number of events): a batch
 * reveals and audits each distinct path once however often it is listed; the denials of one
 * request are one `auth.denied` event per error code with the number of denials in `count` and
 * the first denied resource; and the cost limit weighs the events a batch can write, so the
 * worst request the gateway accepts writes only a few hundred events.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'audit-bounded', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "bounded", type: AES256_GCM96 }) { identity } }`);
  for (const path of ['team-a/db', 'team-b/db']) {
    await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: 'bounded', value: `value of ${path}` } });
  }
});
afterAll(async () => stack?.stop());

const BATCH = `query($ps: [String!]!) { batchGetSecretValue(paths: $ps) { path value version error { code } } }`;

type Ev = { action: string; outcome: string; resource: string; errorCode: string | null; keyVersion: number | null };

/** Every event the request wrote (all pages), oldest first. */
async function eventsOf(requestId: string): Promise<Ev[]> {
  const out: Ev[] = [];
  let after: string | null = null;
  for (;;) {
    const r: any = await stack.ok(
      `query($r: String!, $after: String) { auditEvents(filter: { requestId: $r }, first: 1000, after: $after) {
        nodes { action outcome resource errorCode keyVersion } pageInfo { endCursor hasNextPage } } }`,
      { r: requestId, after },
    );
    out.push(...r.auditEvents.nodes);
    if (!r.auditEvents.pageInfo.hasNextPage) return out.reverse();
    after = r.auditEvents.pageInfo.endCursor;
  }
}

async function countsOf(requestId: string): Promise<{ action: string; resource: string; count: number | null }[]> {
  const r = await stack.ok(`query($r: String!) { auditEvents(filter: { requestId: $r }) { nodes { action resource count } } }`, { r: requestId });
  return r.auditEvents.nodes;
}

test('a path listed 5 times is revealed and audited once; every copy still gets its result, in order', async () => {
  const requestId = `dup-${randomUUID()}`;
  const paths = ['team-a/db', 'none/x', 'team-a/db', 'none/x', 'team-a/db', 'none/x', 'team-a/db', 'none/x', 'team-a/db', 'none/x'];
  const data = await stack.ok(BATCH, { ps: paths }, { requestId });
  expect(data.batchGetSecretValue).toEqual(
    paths.map((path) =>
      path === 'team-a/db'
        ? { path, value: 'value of team-a/db', version: 1, error: null }
        : { path, value: null, version: null, error: { code: 'NOT_FOUND' } },
    ),
  );
  const events = await eventsOf(requestId);
  expect(events.map((e) => [e.action, e.outcome, e.resource, e.errorCode]).sort()).toEqual([
    ['kms.decrypt', 'SUCCESS', 'kms-key:us-east-1/bounded', null],
    ['secrets.get_value', 'FAILURE', 'secret:none/x', 'NOT_FOUND'],
    ['secrets.get_value', 'SUCCESS', 'secret:team-a/db', null],
  ]);
});

test('a batch of 100 paths outside a confined token\'s prefixes: 100 FORBIDDEN items, one auth.denied with count 100 naming the first', async () => {
  const t = await stack.token(['secrets:read_value'], { pathPrefixes: ['team-a'] });
  const paths = Array.from({ length: 100 }, (_, i) => `team-b/p${i}`);
  const requestId = `deny-batch-${randomUUID()}`;
  const data = await stack.ok(BATCH, { ps: ['team-a/db', ...paths.slice(0, 99)] }, { token: t.token, requestId });
  expect(data.batchGetSecretValue[0]).toEqual({ path: 'team-a/db', value: 'value of team-a/db', version: 1, error: null });
  expect(data.batchGetSecretValue.slice(1).map((i: any) => [i.path, i.value, i.error?.code])).toEqual(paths.slice(0, 99).map((p) => [p, null, 'FORBIDDEN']));
  const events = await eventsOf(requestId);
  expect(events.filter((e) => e.action === 'auth.denied')).toEqual([
    { action: 'auth.denied', outcome: 'DENIED', resource: 'secret:team-b/p0', errorCode: 'FORBIDDEN', keyVersion: null },
  ]);
  expect(events.filter((e) => e.action === 'secrets.get_value').map((e) => e.resource)).toEqual(['secret:team-a/db']);
  expect((await countsOf(requestId)).find((e) => e.action === 'auth.denied')?.count).toBe(99);

  // A whole batch of forbidden paths: nothing revealed, still one event.
  const allDenied = `deny-all-${randomUUID()}`;
  const denied = await stack.ok(BATCH, { ps: paths }, { token: t.token, requestId: allDenied });
  expect(denied.batchGetSecretValue.every((i: any) => i.error?.code === 'FORBIDDEN' && i.value === null)).toBe(true);
  expect(await countsOf(allDenied)).toEqual([{ action: 'auth.denied', resource: 'secret:team-b/p0', count: 100 }]);
});

test('31 aliases hitting the same denial: one auth.denied with count 31', async () => {
  const t = await stack.token(['secrets:read_value'], { pathPrefixes: ['team-a'] });
  const fields = Array.from({ length: 31 }, (_, i) => `${i === 0 ? '' : `a${i}: `}getSecretValue(path: "team-b/db") { value }`);
  const requestId = `deny-aliases-${randomUUID()}`;
  const r = await stack.gql(`{ ${fields.join(' ')} }`, {}, { token: t.token, requestId });
  expect(r.status).toBe(403);
  // getSecretValue is non-null: the first error nulls `data`, and the gateway reports that one.
  expect(r.body.data).toBeNull();
  expect(r.body.errors!.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
  const events = await eventsOf(requestId);
  expect(events).toEqual([{ action: 'auth.denied', outcome: 'DENIED', resource: 'secret:team-b/db', errorCode: 'FORBIDDEN', keyVersion: null }]);
  expect(await countsOf(requestId)).toEqual([{ action: 'auth.denied', resource: 'secret:team-b/db', count: 31 }]);
});

test('a single denial has count null (one occurrence)', async () => {
  const t = await stack.token(['secrets:read_value'], { pathPrefixes: ['team-a'] });
  const requestId = `deny-one-${randomUUID()}`;
  const r = await stack.gql(`{ getSecretValue(path: "team-b/db") { value } }`, {}, { token: t.token, requestId });
  expect(r.status).toBe(403);
  expect(await countsOf(requestId)).toEqual([{ action: 'auth.denied', resource: 'secret:team-b/db', count: null }]);
});

test('no request the gateway accepts writes more than a few hundred events: k aliased batches of 100 distinct paths', async () => {
  // Distinct missing paths: no duplicate to fold, no denial to aggregate, one FAILURE each.
  // Each listed path may write two events (secrets.get_value, kms.decrypt); the cost limit allows ~200 paths.
  const most = 400;
  let accepted = 0;
  for (const k of [1, 2, 5, 31]) {
    const fields = Array.from({ length: k }, (_, a) => `${a === 0 ? '' : `b${a}: `}batchGetSecretValue(paths: $p${a}) { path }`);
    const vars = Object.fromEntries(Array.from({ length: k }, (_, a) => [`p${a}`, Array.from({ length: 100 }, (_, i) => `flood/${k}/${a}/${i}`)]));
    const requestId = `flood-${k}-${randomUUID()}`;
    const r = await stack.gql(`query(${Object.keys(vars).map((v) => `$${v}: [String!]!`).join(', ')}) { ${fields.join(' ')} }`, vars, { requestId });
    if (r.status === 400) {
      expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', maxCost: MAX_COST });
      expect(await eventsOf(requestId)).toEqual([]);
      continue;
    }
    expect(r.status).toBe(200);
    accepted++;
    const events = await eventsOf(requestId);
    expect(events).toHaveLength(100 * k);
    expect(events.length).toBeLessThanOrEqual(most);
  }
  expect(accepted).toBeGreaterThan(0); // the single batch of 100 is served
});

test('denials that cannot be written: nothing of the response leaves (503 STORE_UNAVAILABLE)', async () => {
  const secrets = stack.services.get('secrets')!;
  // The project's audit stream is unwritable: a key of the wrong type where the stream lives.
  await secrets.redis.set('audit:{broken-denials}', 'not a stream');
  const t = await secrets.tokens.create({ name: 'c', project: 'broken-denials', scopes: ['secrets:read', 'secrets:read_value'], pathPrefixes: ['team-a'], expiresAt: null });
  const r = await stack.gql(`{ secrets { nodes { path } } batchGetSecretValue(paths: ["team-b/x", "team-b/y"]) { path error { code } } }`, {}, { token: t.token });
  expect(r.status).toBe(503);
  expect(r.body.data ?? null).toBeNull();
  expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['STORE_UNAVAILABLE']);
});
